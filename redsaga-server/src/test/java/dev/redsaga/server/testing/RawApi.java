package dev.redsaga.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * The coordinator's HTTP API spoken by hand, as a DTM client sends it: JSON bodies written out in the test, answers
 * read as text. For tests of the wire itself; the SDK is for everything else.
 */
public final class RawApi {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final String baseUrl;

    /** @param baseUrl the coordinator, e.g. {@code server.baseUrl()} */
    public RawApi(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /** {@code POST /api/dtmsvr/<route>} with a JSON body. */
    public HttpResponse<String> post(String route, String json) {
        return send("POST", "/api/dtmsvr/" + route, json);
    }

    /** {@code GET /api/dtmsvr/<route and query>}. */
    public HttpResponse<String> get(String routeAndQuery) {
        return send("GET", "/api/dtmsvr/" + routeAndQuery, null);
    }

    /**
     * Any method on any path of the server; a JSON body when {@code json} is not null; {@code headers} as name,
     * value, name, value, ...
     */
    public HttpResponse<String> send(String method, String path, String json, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        try {
            return HTTP.send(b.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
