package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** The answer of {@code GET query?gid=}: for a gid the coordinator does not have, {@link #NONE}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record QueryReply(
        @JsonProperty("transaction") TransView transaction,
        @JsonProperty("branches") List<BranchView> branches) {

    /** No such transaction: {@code {"transaction":null,"branches":[]}}, as DTM answers. */
    public static final QueryReply NONE = new QueryReply(null, List.of());
}
