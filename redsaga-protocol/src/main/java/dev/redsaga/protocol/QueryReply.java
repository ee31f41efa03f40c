package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** The answer of {@code GET query?gid=}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record QueryReply(
        @JsonProperty("transaction") TransView transaction,
        @JsonProperty("branches") List<BranchView> branches) {
}
