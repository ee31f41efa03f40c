package dev.redsaga.server.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redsaga.protocol.WireJson;
import java.io.UncheckedIOException;

/** The stored form of a saga's progress (its definition's is {@link DefinitionCodec}). */
public final class ProgressCodec {
    private static final ObjectMapper MAPPER = WireJson.mapper();

    private ProgressCodec() {
    }

    public static String encode(SagaProgress p) {
        try {
            return MAPPER.writeValueAsString(p);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static SagaProgress decode(String json) {
        try {
            return MAPPER.readValue(json, SagaProgress.class);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("stored progress is not readable: " + json, e);
        }
    }
}
