package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The body of {@code POST registerBranch} for a TCC transaction, as DTM's clients send it: the branch's confirm and
 * cancel URLs and the data they are called with (the try's body), registered before the client calls the try.
 * Other fields DTM's clients send ({@code status}, {@code subType}) are ignored.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BranchRegistration(
        @JsonProperty("gid") String gid,
        @JsonProperty("trans_type") String transType,
        @JsonProperty("branch_id") String branchId,
        @JsonProperty("data") String data,
        @JsonProperty("confirm") String confirm,
        @JsonProperty("cancel") String cancel) {
}
