package dev.redsaga.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redsaga.server.service.RequestException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** What a request carries, read within bounds: its JSON body (at most the server's size limit) and its query. */
final class RequestBodies {
    private final ObjectMapper json;
    private final int maxBodyBytes;

    RequestBodies(ObjectMapper json, int maxBodyBytes) {
        this.json = json;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** The request body as {@code type}; a bad one is a {@link RequestException} saying what is wrong where. */
    <T> T read(HttpEndpoint.Exchange ex, Class<T> type) throws IOException {
        byte[] body = readBody(ex);
        if (body.length == 0) {
            throw RequestException.invalid("the request body is empty: send the transaction as JSON");
        }
        try {
            T r = json.readValue(body, type);
            if (r == null) {
                throw RequestException.invalid("the request body is JSON null: send the transaction as an object");
            }
            return r;
        } catch (JsonMappingException e) {
            throw RequestException.invalid("the request body has a field of the wrong type at "
                    + pathOf(e) + ": " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw RequestException.invalid("the request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static String pathOf(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.isEmpty() ? "the top level" : sb.toString();
    }

    private byte[] readBody(HttpEndpoint.Exchange ex) throws IOException {
        try (InputStream in = ex.body()) {
            byte[] body = in.readNBytes(maxBodyBytes + 1);
            if (body.length > maxBodyBytes) {
                throw new RequestException(RequestException.Kind.TOO_LARGE, "the request body is larger than "
                        + maxBodyBytes + " bytes; raise --max-request-bytes or send smaller payloads");
            }
            return body;
        }
    }

    /** The query string's parameters, decoded. */
    static Map<String, String> query(HttpEndpoint.Exchange ex) {
        Map<String, String> out = new HashMap<>();
        String raw = ex.rawQuery();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                out.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw RequestException.invalid("the query string is not valid URL encoding: " + e.getMessage());
            }
        }
        return out;
    }
}
