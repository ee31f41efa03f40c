package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The answer of {@code queryKV} (the pair asked for, or none) and of {@code scanKV} (a page of pairs, and where the
 * next page starts: {@code ""} on the last; absent from a {@code queryKV} answer).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record KvReply(
        @JsonProperty("kv") List<KvView> kv,
        @JsonProperty("next_position") String nextPosition) {

    public KvReply {
        kv = kv == null ? List.of() : List.copyOf(kv);
    }

    /** Whether another page follows. */
    public boolean hasNext() {
        return nextPosition != null && !nextPosition.isEmpty();
    }
}
