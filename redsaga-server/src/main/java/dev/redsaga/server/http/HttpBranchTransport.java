package dev.redsaga.server.http;

import dev.redsaga.protocol.Outcome;
import dev.redsaga.server.engine.BranchTransport;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * Calls branches as DTM does: {@code POST url?gid=..&trans_type=saga&branch_id=01&op=action}, the step's
 * payload as the JSON body, plus the transaction's {@code branch_headers}; the answer classified by
 * {@link Outcome#classify}.
 *
 * <p>Jetty's client, not the JDK's: under a thousand concurrent sagas the JDK client's single selector thread
 * and connection set-up serialised the calls (see docs/design.md); Jetty pools connections per destination.
 */
public final class HttpBranchTransport implements BranchTransport, AutoCloseable {
    private static final int MAX_DETAIL = 300;
    /** Largest branch answer read (Jetty's default); a longer one is a transient failure. */
    private static final int MAX_BODY = 2 * 1024 * 1024;
    private final HttpClient client;

    public HttpBranchTransport(int maxConnectionsPerDestination) {
        VirtualThreadPool pool = new VirtualThreadPool();
        pool.setName("redsaga-branch-client");
        client = new HttpClient();
        client.setExecutor(pool);
        client.setMaxConnectionsPerDestination(maxConnectionsPerDestination);
        client.setMaxRequestsQueuedPerDestination(1 << 20);
        client.setConnectTimeout(3_000);
        client.setFollowRedirects(false);
        client.setUserAgentField(null);
        // branches are APIs, not browsers: no cookies (the cookie lookup cost a URI parse per call)
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the branch HTTP client: " + e.getMessage(), e);
        }
    }

    @Override
    public CompletableFuture<Result> call(BranchTransport.Request r) {
        String uri = r.url() + (r.url().indexOf('?') >= 0 ? "&" : "?")
                + "gid=" + enc(r.gid()) + "&trans_type=" + enc(r.transType())
                + "&branch_id=" + enc(r.branchId()) + "&op=" + enc(r.op().wire());
        org.eclipse.jetty.client.Request req;
        try {
            req = client.newRequest(uri)
                    .method(HttpMethod.POST)
                    .timeout(r.timeoutMs(), TimeUnit.MILLISECONDS)
                    .body(new StringRequestContent("application/json", r.payload(), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new Result(Outcome.TRANSIENT, "bad branch URL: " + e.getMessage()));
        }
        if (!r.headers().isEmpty()) {
            req.headers(h -> {
                for (Map.Entry<String, String> e : r.headers().entrySet()) {
                    h.put(e.getKey(), e.getValue());
                }
            });
        }
        return new CompletableResponseListener(req, MAX_BODY).send().handle((resp, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                return cause instanceof TimeoutException
                        ? new Result(Outcome.TRANSIENT, "no answer within " + r.timeoutMs() + " ms")
                        : new Result(Outcome.TRANSIENT, "connection error: " + cause);
            }
            String body = resp.getContentAsString();
            Outcome outcome = Outcome.classify(resp.getStatus(), body);
            return new Result(outcome, outcome == Outcome.SUCCESS ? null
                    : "HTTP " + resp.getStatus() + " " + abbreviate(body));
        });
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

    @Override
    public void close() {
        try {
            client.stop();
        } catch (Exception e) {
            // stopping is best effort
        }
    }
}
