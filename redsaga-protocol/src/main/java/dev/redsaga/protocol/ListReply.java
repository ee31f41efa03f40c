package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** The answer of {@code GET all}: one page, and the position to pass for the next one ({@code ""} at the end). */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ListReply(
        @JsonProperty("transactions") List<TransView> transactions,
        @JsonProperty("next_position") String nextPosition) {

    /** Whether there is a page after this one. */
    public boolean hasNext() {
        return nextPosition != null && !nextPosition.isEmpty();
    }
}
