package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A global transaction as {@code query} and {@code all} show it (DTM's field names; times as text). {@code query}
 * adds what DTM's admin UI shows of one transaction: {@code protocol} ("http"), {@code next_cron_interval} (its retry
 * interval, seconds); a failed one has a {@code rollback_time} (and a {@code finish_time}, which DTM sets for a
 * succeeded one only).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TransView(
        @JsonProperty("gid") String gid,
        @JsonProperty("trans_type") String transType,
        @JsonProperty("status") TransStatus status,
        @JsonProperty("steps") List<SagaStep> steps,
        @JsonProperty("payloads") List<String> payloads,
        @JsonProperty("create_time") String createTime,
        @JsonProperty("update_time") String updateTime,
        @JsonProperty("finish_time") String finishTime,
        @JsonProperty("next_cron_time") String nextCronTime,
        @JsonProperty("owner") String owner,
        @JsonProperty("rollback_reason") String rollbackReason,
        @JsonProperty("custom_data") String customData,
        @JsonProperty("query_prepared") String queryPrepared,
        @JsonProperty("protocol") String protocol,
        @JsonProperty("next_cron_interval") Long nextCronInterval,
        @JsonProperty("rollback_time") String rollbackTime) {
}
