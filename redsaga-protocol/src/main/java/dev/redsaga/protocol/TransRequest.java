package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code submit}, {@code prepare} and {@code abort}, with DTM's field names. Durations are
 * whole seconds, as in DTM. Unknown fields (DTM clients send a few more) are ignored. Absent options are
 * {@code null} and take the server's defaults.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TransRequest(
        @JsonProperty("gid") String gid,
        @JsonProperty("trans_type") String transType,
        @JsonProperty("steps") List<SagaStep> steps,
        @JsonProperty("payloads") List<String> payloads,
        @JsonProperty("wait_result") Boolean waitResult,
        @JsonProperty("timeout_to_fail") Long timeoutToFail,
        @JsonProperty("request_timeout") Long requestTimeout,
        @JsonProperty("retry_interval") Long retryInterval,
        @JsonProperty("retry_limit") Long retryLimit,
        @JsonProperty("branch_headers") Map<String, String> branchHeaders,
        @JsonProperty("concurrent") Boolean concurrent,
        @JsonProperty("custom_data") String customData,
        @JsonProperty("query_prepared") String queryPrepared) {

    /** A request without {@code query_prepared} (every type but msg). */
    public TransRequest(String gid, String transType, List<SagaStep> steps, List<String> payloads, Boolean waitResult,
            Long timeoutToFail, Long requestTimeout, Long retryInterval, Long retryLimit,
            Map<String, String> branchHeaders, Boolean concurrent, String customData) {
        this(gid, transType, steps, payloads, waitResult, timeoutToFail, requestTimeout, retryInterval, retryLimit,
                branchHeaders, concurrent, customData, null);
    }

    public static final String TRANS_TYPE_SAGA = "saga";
}
