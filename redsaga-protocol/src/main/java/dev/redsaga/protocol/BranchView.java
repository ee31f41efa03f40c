package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One branch (one op of one step) as {@code query} shows it: DTM's fields, and what an operator looks for when it is
 * stuck — the answers it got so far ({@code attempts}, as stored with the transaction's last write) and the last
 * one that was not a success ({@code last_error}: its status and the protocol's message, nothing else of the body),
 * when the last answer came ({@code update_time}, as DTM names a branch's last change) and, for a branch waiting to
 * be called again, when ({@code next_try_time}).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BranchView(
        @JsonProperty("gid") String gid,
        @JsonProperty("branch_id") String branchId,
        @JsonProperty("op") BranchOp op,
        @JsonProperty("url") String url,
        @JsonProperty("status") BranchStatus status,
        @JsonProperty("attempts") Integer attempts,
        @JsonProperty("last_error") String lastError,
        @JsonProperty("update_time") String updateTime,
        @JsonProperty("next_try_time") String nextTryTime) {
}
