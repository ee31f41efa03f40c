package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The {@code custom_data} JSON string, as DTM's clients write it: for a concurrent saga
 * {@code {"orders":{"1":[0]},"concurrent":true}} — step 1 (0-based) runs after step 0; for a message
 * {@code {"delay":10}} — its branches are called no sooner than 10 seconds after it was created.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SagaCustomData(
        @JsonProperty("orders") Map<String, List<Integer>> orders,
        @JsonProperty("concurrent") Boolean concurrent,
        @JsonProperty("delay") Long delay) {
}
