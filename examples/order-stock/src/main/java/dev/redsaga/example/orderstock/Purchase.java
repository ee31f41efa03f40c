package dev.redsaga.example.orderstock;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The payload of both steps of a purchase saga. */
public record Purchase(@JsonProperty("user_id") long userId, @JsonProperty("product_id") String productId,
        @JsonProperty("qty") int qty) {
}
