package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A change to a topic ({@code subscribe}, {@code unsubscribe}): which topic, which subscriber URL, and for a
 * subscription a remark for operators. DTM's clients send these as query parameters of a GET; a JSON POST body
 * carries the same fields.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TopicRequest(
        @JsonProperty("topic") String topic,
        @JsonProperty("url") String url,
        @JsonProperty("remark") String remark) {
}
