package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** One branch (one op of one step) as {@code query} shows it. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BranchView(
        @JsonProperty("gid") String gid,
        @JsonProperty("branch_id") String branchId,
        @JsonProperty("op") BranchOp op,
        @JsonProperty("url") String url,
        @JsonProperty("status") BranchStatus status) {
}
