package dev.redsaga.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redsaga.protocol.BranchDeadline;
import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.WireJson;
import dev.redsaga.server.config.BranchUrlPolicy;
import dev.redsaga.server.config.FlowControl;
import dev.redsaga.server.engine.BranchTransport;
import dev.redsaga.server.tracing.Tracing;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * Calls branches as DTM does: {@code POST url?gid=..&trans_type=saga&branch_id=01&op=action}, the step's
 * payload as the JSON body ({@code GET} when the payload is empty, as a message's back-check's is), plus the transaction's {@code branch_headers} and the call's deadline
 * ({@link BranchDeadline}); the answer classified by {@link Outcome#classify}.
 *
 * <p>Every call first passes its destination's gate ({@link Destination}: circuit, retry budget, adaptive in-flight
 * limit); a call the gate refuses is not sent and answers {@link Outcome#TRANSIENT}, so the saga retries later.
 *
 * <p>Jetty's client, not the JDK's: under a thousand concurrent sagas the JDK client's single selector thread
 * and connection set-up serialised the calls (see docs/design.md); Jetty pools connections per destination.
 */
public final class HttpBranchTransport implements BranchTransport, AutoCloseable {
    private static final int MAX_DETAIL = 200;
    /** Largest branch answer read (Jetty's default); a longer one is a transient failure. */
    private static final int MAX_BODY = 2 * 1024 * 1024;
    private final HttpClient client;
    private final BranchUrlPolicy policy;
    private final Destinations destinations;
    private final Tracing tracing;

    /** A transport with the default pacing for {@code maxConnectionsPerDestination} (see {@link FlowControl}). */
    public HttpBranchTransport(int maxConnectionsPerDestination, BranchUrlPolicy policy) {
        this(FlowControl.defaults(maxConnectionsPerDestination), policy);
    }

    /** A transport that passes the transactions' trace context on, recording nothing. */
    public HttpBranchTransport(FlowControl flow, BranchUrlPolicy policy) {
        this(flow, policy, Tracing.propagating());
    }

    /** @param tracing how each call joins its transaction's trace (its span, its {@code traceparent}) */
    public HttpBranchTransport(FlowControl flow, BranchUrlPolicy policy, Tracing tracing) {
        this.tracing = tracing;
        this.policy = policy;
        int maxConnectionsPerDestination = flow.maxLimit();
        VirtualThreadPool pool = new VirtualThreadPool();
        pool.setName("redsaga-branch-client");
        client = new HttpClient();
        client.setExecutor(pool);
        // every connection goes to an address checked now, whatever the name resolved to at submit
        client.setSocketAddressResolver(new CheckedResolver(new SocketAddressResolver.Sync(), policy));
        client.setMaxConnectionsPerDestination(maxConnectionsPerDestination);
        // the destination's limit admits at most as many calls as there are connections; the rest wait in Destination
        client.setMaxRequestsQueuedPerDestination(maxConnectionsPerDestination);
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
        destinations = new Destinations(flow, client.getScheduler(), pool);
    }

    /** The gate of the destination {@code url} is sent to (for tests and operators). */
    Destination destination(String url) {
        java.net.URI u = java.net.URI.create(url);
        return destinations.of(u.getScheme(), u.getHost(), u.getPort() >= 0 ? u.getPort()
                : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80);
    }

    /** Resolves as Jetty does, then keeps only the addresses the branch URL policy allows. */
    private record CheckedResolver(SocketAddressResolver delegate, BranchUrlPolicy policy)
            implements SocketAddressResolver {
        @Override
        public void resolve(String host, int port, Map<String, Object> context,
                Promise<List<InetSocketAddress>> promise) {
            delegate.resolve(host, port, context, new Promise<>() {
                @Override
                public void succeeded(List<InetSocketAddress> addresses) {
                    List<InetSocketAddress> allowed = new ArrayList<>();
                    String problem = null;
                    // the grant the URL was admitted under travels as the request's tag, part of Jetty's origin
                    BranchUrlPolicy.Grant grant = context.get(org.eclipse.jetty.client.Destination.CONTEXT_KEY)
                            instanceof org.eclipse.jetty.client.Destination d
                            && d.getOrigin().getTag() instanceof BranchUrlPolicy.Grant g ? g : null;
                    for (InetSocketAddress a : addresses) {
                        String p = policy.problemAtConnect(grant, a.getAddress(), port);
                        if (p == null) {
                            allowed.add(a);
                        } else {
                            problem = p;
                        }
                    }
                    if (allowed.isEmpty()) {
                        promise.failed(new ForbiddenAddressException(host + " " + problem));
                    } else {
                        promise.succeeded(allowed);
                    }
                }

                @Override
                public void failed(Throwable x) {
                    promise.failed(x);
                }
            });
        }
    }

    /** A branch's address is not one the coordinator may call. */
    static final class ForbiddenAddressException extends java.io.IOException {
        ForbiddenAddressException(String message) {
            super(message);
        }
    }

    @Override
    public CompletableFuture<Result> call(BranchTransport.Request r) {
        Tracing.BranchSpan span = tracing.branchCall(r);
        CompletableFuture<Result> result;
        try {
            result = call(r, span.headers());
        } catch (RuntimeException e) {
            span.end(Result.notSent("not sent: " + e.getMessage(), false));
            throw e;
        }
        return result.whenComplete((answer, error) -> span.end(answer != null ? answer
                : new Result(Outcome.TRANSIENT, "transport error: " + error)));
    }

    private CompletableFuture<Result> call(BranchTransport.Request r, Map<String, String> traceHeaders) {
        BranchUrlPolicy.Admission admission = policy.admit(r.url());
        if (admission.problem() != null) {
            return CompletableFuture.completedFuture(Result.notSent("not called: the URL " + admission.problem(),
                    false));
        }
        String uri = r.url() + (r.url().indexOf('?') >= 0 ? "&" : "?")
                + "gid=" + enc(r.gid()) + "&trans_type=" + enc(r.transType())
                + "&branch_id=" + enc(r.branchId()) + "&op=" + enc(r.op().wire());
        org.eclipse.jetty.client.Request req;
        try {
            req = client.newRequest(uri).tag(admission.grant());
            if (r.payload().isEmpty() && r.op() != BranchOp.COMMIT && r.op() != BranchOp.ROLLBACK) {
                // DTM's choice: a branch without a payload (and a back-check) is a GET; XA's second phase is a POST
                req.method(HttpMethod.GET);
            } else {
                req.method(HttpMethod.POST)
                        .body(new StringRequestContent("application/json", r.payload(), StandardCharsets.UTF_8));
            }
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new Result(Outcome.TRANSIENT, "bad branch URL: " + e.getMessage()));
        }
        Destination destination = destinations.of(req.getScheme(), req.getHost(), req.getPort());
        return destination.enter(r.attempt() > 0, r.maxWaitMs()).thenCompose(entry -> {
            if (entry.pass() == null) {
                return CompletableFuture.completedFuture(
                        Result.notSent("not sent: " + entry.refusal(), entry.waited()));
            }
            return send(req, r, traceHeaders, entry.pass());
        });
    }

    private CompletableFuture<Result> send(org.eclipse.jetty.client.Request req, BranchTransport.Request r,
            Map<String, String> traceHeaders, Destination.Pass pass) {
        // the timeout is a total deadline from the send (Jetty counts its own queueing in it); the service may drop
        // the call after it
        long deadline = System.currentTimeMillis() + r.timeoutMs();
        long timeoutMs = r.timeoutMs();
        req.timeout(timeoutMs, TimeUnit.MILLISECONDS);
        req.headers(h -> {
            for (Map.Entry<String, String> e : r.headers().entrySet()) {
                h.put(e.getKey(), e.getValue());
            }
            // the call's own span: over any traceparent the transaction's branch_headers may set
            for (Map.Entry<String, String> e : traceHeaders.entrySet()) {
                h.put(e.getKey(), e.getValue());
            }
            h.put(BranchDeadline.HEADER, Long.toString(deadline));
        });
        return new CompletableResponseListener(req, MAX_BODY).send().handle((resp, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (cause instanceof ForbiddenAddressException forbidden) {
                    pass.finished(Destination.Verdict.NOT_SENT);
                    return Result.notSent("not called: " + forbidden.getMessage(), false);
                }
                boolean timedOut = cause instanceof TimeoutException;
                pass.finished(timedOut ? Destination.Verdict.FAILED : Destination.Verdict.UNREACHABLE);
                // one text whatever the cause (refused, unreachable, reset): no port scanning through the reason
                return timedOut
                        ? new Result(Outcome.TRANSIENT, "no answer within " + timeoutMs + " ms")
                        : new Result(Outcome.TRANSIENT, "no answer: the connection failed");
            }
            pass.finished(resp.getStatus() >= 500 ? Destination.Verdict.FAILED : Destination.Verdict.ANSWERED);
            String body = resp.getContentAsString();
            Outcome outcome = Outcome.classify(resp.getStatus(), body);
            return new Result(outcome, outcome == Outcome.SUCCESS ? null : "HTTP " + resp.getStatus()
                    + messageOf(resp.getStatus(), body));
        });
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /**
     * What is kept of a branch's answer: the protocol's own words when the body is a DTM reply — its {@code message}
     * when it has a {@code dtm_result}, or the text of DTM's error form {@code {"error": ...}} on a 409, 425 or 500 —
     * printable and short; nothing of any other body, even one with a {@code message} field (it could be anything
     * the URL returns: a Kubernetes API's "forbidden: token=...", say).
     */
    static String messageOf(int status, String body) {
        if (body == null || body.isEmpty() || body.charAt(0) != '{') {
            return "";
        }
        try {
            JsonNode reply = WireJson.mapper().readTree(body);
            if (reply == null || !reply.isObject()) {
                return "";
            }
            JsonNode result = reply.get("dtm_result");
            if (result != null && result.isTextual()) {
                JsonNode message = reply.get("message");
                return message != null && message.isTextual()
                        ? ": " + RemoteText.printable(message.asText(), MAX_DETAIL) : ": " + result.asText();
            }
            JsonNode error = reply.get("error");
            if ((status == 409 || status == 425 || status == 500) && reply.size() == 1 && error != null
                    && error.isTextual()) {
                return ": " + RemoteText.printable(error.asText(), MAX_DETAIL);
            }
            return "";
        } catch (java.io.IOException | RuntimeException e) {
            return "";
        }
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
