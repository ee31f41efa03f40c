package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One saga step on the wire: the action URL and the compensation URL (either may be empty), and — in the form DTM's
 * older clients send, without {@code payloads} — the step's payload as {@code data}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SagaStep(
        @JsonProperty("action") String action,
        @JsonProperty("compensate") String compensate,
        @JsonProperty("data") String data) {

    public SagaStep(String action, String compensate) {
        this(action, compensate, null);
    }
}
