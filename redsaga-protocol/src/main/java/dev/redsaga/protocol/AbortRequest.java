package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The body of {@code POST abort} (and {@code forceStop}): which transaction, and why — DTM's clients send the whole
 * transaction; these are the fields that matter here.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AbortRequest(
        @JsonProperty("gid") String gid,
        @JsonProperty("trans_type") String transType,
        @JsonProperty("rollback_reason") String rollbackReason) {
}
