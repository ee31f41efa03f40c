package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** One saga step on the wire: the action URL and the compensation URL (either may be empty). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SagaStep(
        @JsonProperty("action") String action,
        @JsonProperty("compensate") String compensate) {
}
