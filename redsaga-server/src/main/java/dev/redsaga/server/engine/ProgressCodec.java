package dev.redsaga.server.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.WireJson;
import java.io.UncheckedIOException;

/** The JSON forms of what the engine stores: the submitted request (definition) and the progress. */
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

    /** The stored definition: the request as submitted, minus {@code wait_result} (not part of its identity). */
    public static String encodeDefinition(TransRequest r) {
        TransRequest normalized = new TransRequest(r.gid(), r.transType(), r.steps(), r.payloads(), null,
                r.timeoutToFail(), r.requestTimeout(), r.retryInterval(), r.retryLimit(), r.branchHeaders(),
                r.concurrent(), r.customData());
        try {
            return WireJson.mapper().writeValueAsString(normalized);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static TransRequest decodeDefinition(String json) {
        try {
            return WireJson.mapper().readValue(json, TransRequest.class);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("stored definition is not readable", e);
        }
    }
}
