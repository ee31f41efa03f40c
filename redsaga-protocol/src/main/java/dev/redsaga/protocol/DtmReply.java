package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The small JSON answer of the server and of branch handlers:
 * {@code {"dtm_result":"SUCCESS"}}, {@code {"dtm_result":"FAILURE","message":"..."}}, and for
 * {@code newGid} also {@code "gid"}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DtmReply(
        @JsonProperty("dtm_result") String dtmResult,
        @JsonProperty("message") String message,
        @JsonProperty("gid") String gid) {

    public static DtmReply success() {
        return new DtmReply(Outcome.RESULT_SUCCESS, null, null);
    }

    public static DtmReply failure(String message) {
        return new DtmReply(Outcome.RESULT_FAILURE, message, null);
    }

    public static DtmReply ongoing(String message) {
        return new DtmReply(Outcome.RESULT_ONGOING, message, null);
    }

    public static DtmReply error(String message) {
        return new DtmReply(null, message, null);
    }

    public static DtmReply newGid(String gid) {
        return new DtmReply(Outcome.RESULT_SUCCESS, null, gid);
    }
}
