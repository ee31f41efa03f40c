package dev.redsaga.server.http;

import dev.redsaga.protocol.Outcome;
import dev.redsaga.server.engine.BranchTransport;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Calls branches as DTM does: {@code POST url?gid=..&trans_type=saga&branch_id=01&op=action}, the step's
 * payload as the JSON body, plus the transaction's {@code branch_headers}; the answer classified by
 * {@link Outcome#classify}.
 */
public final class HttpBranchTransport implements BranchTransport {
    private static final int MAX_DETAIL = 300;
    private final HttpClient client;

    public HttpBranchTransport(Executor executor) {
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(3))
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
    }

    @Override
    public Result call(Request r) {
        URI uri;
        try {
            uri = URI.create(r.url() + (r.url().indexOf('?') >= 0 ? "&" : "?")
                    + "gid=" + enc(r.gid()) + "&trans_type=" + enc(r.transType())
                    + "&branch_id=" + enc(r.branchId()) + "&op=" + enc(r.op().wire()));
        } catch (IllegalArgumentException e) {
            return new Result(Outcome.TRANSIENT, "bad branch URL: " + e.getMessage());
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofMillis(r.timeoutMs()))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(r.payload(), StandardCharsets.UTF_8));
        for (Map.Entry<String, String> h : r.headers().entrySet()) {
            b.header(h.getKey(), h.getValue());
        }
        try {
            HttpResponse<String> resp = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            Outcome outcome = Outcome.classify(resp.statusCode(), resp.body());
            return new Result(outcome, outcome == Outcome.SUCCESS ? null
                    : "HTTP " + resp.statusCode() + " " + abbreviate(resp.body()));
        } catch (HttpTimeoutException e) {
            return new Result(Outcome.TRANSIENT, "no answer within " + r.timeoutMs() + " ms");
        } catch (IOException e) {
            return new Result(Outcome.TRANSIENT, "connection error: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(Outcome.TRANSIENT, "interrupted");
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= MAX_DETAIL ? s : s.substring(0, MAX_DETAIL) + "...";
    }
}
