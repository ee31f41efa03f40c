package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The body of {@code POST registerBranch}, as DTM's clients send it. TCC: the branch's confirm and cancel URLs and the
 * data they are called with (the try's body), registered before the client calls the try. XA: the one {@code url}
 * called with {@code op=commit} or {@code op=rollback}, registered once the branch's XA transaction is prepared.
 * Other fields DTM's clients send ({@code status}, {@code subType}) are ignored.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BranchRegistration(
        @JsonProperty("gid") String gid,
        @JsonProperty("trans_type") String transType,
        @JsonProperty("branch_id") String branchId,
        @JsonProperty("data") String data,
        @JsonProperty("confirm") String confirm,
        @JsonProperty("cancel") String cancel,
        @JsonProperty("url") String url) {

    /** A TCC branch's registration. */
    public BranchRegistration(String gid, String transType, String branchId, String data, String confirm,
            String cancel) {
        this(gid, transType, branchId, data, confirm, cancel, null);
    }
}
