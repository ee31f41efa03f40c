package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One key-value pair as {@code queryKV} and {@code scanKV} show it (DTM's KV): for a topic, {@code k} is its name
 * and {@code v} its subscribers as a JSON string, {@code [{"url":...,"remark":...}]}.
 *
 * @param version 1 when created, one more with each change
 */
public record KvView(
        @JsonProperty("cat") String cat,
        @JsonProperty("k") String k,
        @JsonProperty("v") String v,
        @JsonProperty("version") long version,
        @JsonProperty("create_time") String createTime,
        @JsonProperty("update_time") String updateTime) {
}
