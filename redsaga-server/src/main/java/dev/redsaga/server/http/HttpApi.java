package dev.redsaga.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redsaga.protocol.AbortRequest;
import dev.redsaga.protocol.BranchRegistration;
import dev.redsaga.protocol.DtmReply;
import dev.redsaga.protocol.TopicRequest;
import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.WireJson;
import dev.redsaga.server.config.AccessPolicy;
import dev.redsaga.server.metrics.CoordinatorMetrics;
import dev.redsaga.server.service.ListQuery;
import dev.redsaga.server.service.RequestException;
import dev.redsaga.server.engine.SubmitResult;
import dev.redsaga.server.service.TransactionService;
import dev.redsaga.server.tracing.TraceContext;
import dev.redsaga.server.tracing.Tracing;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DTM's HTTP API under {@code /api/dtmsvr/}: maps each route to a {@link TransactionService} call, and is the
 * only code that knows status codes: 200 SUCCESS, 409 FAILURE, 425 ONGOING, 400/404/413 for bad requests, 401/403
 * for a missing token or scope or a foreign origin, 405/415 for a state change not sent as a JSON POST,
 * 503 when the store is unavailable (nothing done), 504 when a write's outcome is unknown, 500 for the unexpected.
 */
public final class HttpApi implements HttpEndpoint.Handler {
    public static final String PREFIX = "/api/dtmsvr/";
    /** DTM's routes that redsaga does not offer yet: answered 400 with the reason, not 404. */
    private static final java.util.Set<String> NOT_OFFERED = java.util.Set.of("prepareWorkflow", "resetCronTime");
    /** DTM's {@code ping}: {@code {"msg":"pong"}}. */
    static final String PING = "/api/ping";
    /** Probes for a supervisor (Kubernetes): the process answers; the process and its store answer. */
    static final String LIVE = "/health/live";
    static final String READY = "/health/ready";
    /** The figures in Prometheus's text format; the metrics scope (or admin). */
    static final String METRICS = "/api/metrics";
    /** DTM's routes and ours, as named in the request metrics; anything else is counted as "other". */
    private static final java.util.Set<String> ROUTES = java.util.Set.of("newGid", "submit", "prepare", "abort",
            "forceStop", "resetNextCronTime", "registerBranch", "registerTccBranch", "registerXaBranch", "query", "all",
            "health", "version", "subscribe", "unsubscribe", "queryKV", "scanKV");
    /** Topic changes: a JSON POST, or a GET with query parameters as DTM's clients send them. */
    private static final java.util.Set<String> TOPIC_CHANGES = java.util.Set.of("subscribe", "unsubscribe");
    /** DTM's {@code DELETE topic/{name}}. */
    private static final String TOPIC = "topic/";
    private static final java.util.Set<String> STATE_CHANGES = java.util.Set.of("submit", "prepare", "abort",
            "forceStop", "registerBranch", "registerTccBranch", "registerXaBranch", "resetNextCronTime");
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

    private final TransactionService service;
    private final ObjectMapper json = WireJson.mapper();
    private final int maxBodyBytes;
    private final RequestBodies requests;
    private final AccessPolicy access;
    private final String version;
    private final CoordinatorMetrics metrics;
    private final Tracing tracing;

    public HttpApi(TransactionService service, int maxBodyBytes, AccessPolicy access, String version,
            CoordinatorMetrics metrics, Tracing tracing) {
        this.service = service;
        this.metrics = metrics;
        this.tracing = tracing;
        this.version = version;
        this.maxBodyBytes = maxBodyBytes;
        this.requests = new RequestBodies(json, maxBodyBytes);
        this.access = access;
    }

    @Override
    public void handle(HttpEndpoint.Exchange ex) throws IOException {
        {
            String path = ex.path();
            if (path.equals(PING)) {
                // DTM's liveness probe, outside its API prefix; any method, no token (like health)
                reply(ex, 200, Map.of("msg", "pong"));
                return;
            }
            if (AdminUi.handles(path)) {
                metrics.requestAnswered("admin", AdminUi.serve(ex));
                return;
            }
            if (path.equals(LIVE)) {
                reply(ex, 200, Map.of("status", "UP"));
                return;
            }
            if (path.equals(READY)) {
                // ready: a request would be served, so the store answers a read, and what the instance does in
                // the background (recovery, retention) still runs (no detail: no token is asked)
                String down = !service.storeAnswers() ? "the store does not answer"
                        : !service.backgroundLoopsRunning() ? "the recovery loop has stopped; restart this instance"
                        : null;
                reply(ex, down == null ? 200 : 503, down == null ? Map.of("status", "UP")
                        : Map.of("status", "DOWN", "message", down));
                return;
            }
            String route = path.equals(METRICS) ? METRICS
                    : path.startsWith(PREFIX) ? path.substring(PREFIX.length()) : "";
            try {
                if (!admitted(ex, route)) {
                    return;
                }
                switch (route) {
                    case METRICS -> {
                        byte[] text = metrics.scrape().getBytes(StandardCharsets.UTF_8);
                        ex.respond(200, "text/plain; version=0.0.4; charset=utf-8", text);
                        metrics.requestAnswered("metrics", 200);
                    }
                    case "newGid" -> reply(ex, 200, DtmReply.newGid(service.newGid()));
                    case "submit" -> submit(ex);
                    case "prepare" -> {
                        TransRequest req = requests.read(ex, TransRequest.class);
                        traced(ex, "prepare", req.gid(), trace -> {
                            service.prepare(req, trace);
                            reply(ex, 200, DtmReply.success());
                            return 200;
                        });
                    }
                    case "abort" -> {
                        AbortRequest r = requests.read(ex, AbortRequest.class);
                        service.abort(r.gid(), r.rollbackReason(), isOperator(ex));
                        reply(ex, 200, DtmReply.success());
                    }
                    case "forceStop" -> {
                        service.forceStop(requests.read(ex, AbortRequest.class).gid());
                        reply(ex, 200, DtmReply.success());
                    }
                    case "resetNextCronTime" -> {
                        service.retryNow(requests.read(ex, AbortRequest.class).gid());
                        reply(ex, 200, DtmReply.success());
                    }
                    // the other names are the ones DTM's older clients use
                    case "registerBranch", "registerTccBranch", "registerXaBranch" -> {
                        service.registerBranch(requests.read(ex, BranchRegistration.class));
                        reply(ex, 200, DtmReply.success());
                    }
                    case "query" -> reply(ex, 200, service.query(RequestBodies.query(ex).get("gid")));
                    case "all" -> reply(ex, 200, service.list(ListQuery.of(RequestBodies.query(ex))));
                    case "subscribe" -> {
                        service.topics().subscribe(topicRequest(ex));
                        reply(ex, 200, DtmReply.success());
                    }
                    case "unsubscribe" -> {
                        service.topics().unsubscribe(topicRequest(ex));
                        reply(ex, 200, DtmReply.success());
                    }
                    case "queryKV" -> {
                        Map<String, String> q = RequestBodies.query(ex);
                        reply(ex, 200, service.topics().query(q.get("cat"), q.get("key")));
                    }
                    case "scanKV" -> {
                        Map<String, String> q = RequestBodies.query(ex);
                        reply(ex, 200, service.topics().scan(q.get("cat"), q.get("position"), q.get("limit")));
                    }
                    case "health" -> reply(ex, 200, DtmReply.success());
                    case "version" -> reply(ex, 200, Map.of("version", version));
                    default -> {
                        if (route.startsWith(TOPIC)) {
                            if (!"DELETE".equals(ex.method())) {
                                reply(ex, 405, DtmReply.failure(ex.path() + " takes DELETE: it deletes the topic"));
                                return;
                            }
                            // a topic's name needs no escaping (letters, digits, _ . : -): taken as sent
                            service.topics().delete(route.substring(TOPIC.length()));
                            reply(ex, 200, DtmReply.success());
                        } else if (NOT_OFFERED.contains(route)) {
                            // DTM has it, a DTM client may call it: say so, rather than "no such endpoint"
                            reply(ex, 400, DtmReply.failure(route + " is DTM's, and redsaga does not offer it yet "
                                    + "(workflow, resetCronTime): see "
                                    + "docs/protocol.md, \"Compatibility with DTM\""));
                        } else {
                            reply(ex, 404, DtmReply.failure("no such endpoint " + path
                                    + "; see docs/protocol.md for the routes under " + PREFIX));
                        }
                    }
                }
            } catch (RequestException e) {
                int status = statusOf(e);
                if (e.kind() == RequestException.Kind.BUSY) {
                    replyWithHeader(ex, 503, "Retry-After", "1", DtmReply.error(e.getMessage()));
                } else if (status >= 500) {
                    // no FAILURE in the body (a DTM client would read "the saga failed"), no internal text either
                    String incident = incident();
                    log.warn("{} on {} (incident {}): {}", e.kind(), RemoteText.printable(route, 100), incident,
                            e.internalDetail() == null ? e.getMessage() : e.internalDetail());
                    reply(ex, status, DtmReply.error(e.getMessage() + " (incident " + incident + ")"));
                } else {
                    reply(ex, status, DtmReply.failure(e.getMessage()));
                }
            } catch (RuntimeException e) {
                // the answer names the incident, the log has the detail: exception texts stay inside
                String incident = incident();
                log.error("unexpected error on {} (incident {})", RemoteText.printable(route, 100), incident, e);
                reply(ex, 500, DtmReply.error("internal error (incident " + incident + " in the coordinator's log)"));
            }
        }
    }

    private static int statusOf(RequestException e) {
        return switch (e.kind()) {
            case INVALID -> 400;
            case NOT_FOUND -> 404;
            case CONFLICT -> Outcome.FAILURE.httpStatus();
            case TOO_LARGE -> 413;
            case UNAVAILABLE, BUSY -> 503;
            // the store behind us did not answer in time: a gateway timeout, the outcome unknown
            case OUTCOME_UNKNOWN -> 504;
        };
    }

    private void submit(HttpEndpoint.Exchange ex) throws IOException {
        TransRequest req = requests.read(ex, TransRequest.class);
        traced(ex, "submit", req.gid(), trace -> {
            SubmitResult result = service.submit(req, trace);
            return switch (result) {
                case ACCEPTED, SUCCEEDED -> {
                    reply(ex, 200, DtmReply.success());
                    yield 200;
                }
                // with its rollback_reason, as DTM answers: the failing branch's own message is in it
                case FAILED -> {
                    reply(ex, Outcome.FAILURE.httpStatus(), DtmReply.failure(
                            (TransRequest.TRANS_TYPE_SAGA.equals(req.transType()) ? "the saga failed and was compensated"
                                    : "the " + RemoteText.printable(req.transType(), 10) + " transaction failed")
                            + service.failureReason(req.gid()).map(r -> ": " + r).orElse("")));
                    yield Outcome.FAILURE.httpStatus();
                }
                case ONGOING -> {
                    reply(ex, Outcome.ONGOING.httpStatus(), DtmReply.ongoing("the saga is still running; query it"));
                    yield Outcome.ONGOING.httpStatus();
                }
            };
        });
    }

    /** A request that stores a transaction: answered by {@code handler}, which returns the status it sent. */
    @FunctionalInterface
    private interface TracedHandler {
        int handle(TraceContext trace) throws IOException;
    }

    /**
     * Runs {@code handler} in the request's span, a child of the caller's {@code traceparent}; the transaction
     * stores the span's context for its branch calls.
     */
    private void traced(HttpEndpoint.Exchange ex, String name, String gid, TracedHandler handler) throws IOException {
        Tracing.RequestSpan span = tracing.request(name, RemoteText.printable(gid, 128),
                TraceContext.of(ex.header("traceparent"), ex.header("tracestate")));
        int status = 500;
        try {
            status = handler.handle(span.context());
        } catch (RequestException e) {
            status = statusOf(e);
            throw e;
        } finally {
            span.end(status);
        }
    }

    /**
     * Checks who is asking before anything is read: the origin (a browser page of another site is refused), the
     * bearer token and its scope, and for a state change a POST with a JSON body — which a page of another site
     * cannot send without the browser asking this server first (CORS preflight), and it never says yes.
     *
     * @return whether to go on; if not, the answer has been sent
     */
    private boolean admitted(HttpEndpoint.Exchange ex, String route) throws IOException {
        if (!access.allowsOrigin(ex.header("Origin"), ex.header("Host"))) {
            reply(ex, 403, DtmReply.failure("requests from origin " + RemoteText.printable(ex.header("Origin"), 100)
                    + " are not allowed; a browser page may call this API only from an allowed origin (--allow-origin)"));
            return false;
        }
        AccessPolicy.Scope scope = switch (route) {
            case "health" -> null;
            case METRICS -> AccessPolicy.Scope.METRICS;
            // abort: a client's, for what it prepared; stopping a running saga is an operator's (checked below)
            case "forceStop", "all", "resetNextCronTime", "subscribe", "unsubscribe", "queryKV", "scanKV" ->
                    AccessPolicy.Scope.ADMIN;
            default -> route.startsWith(TOPIC) ? AccessPolicy.Scope.ADMIN : AccessPolicy.Scope.SUBMIT;
        };
        if (scope != null && access.requiresToken()) {
            String token = bearer(ex.header("Authorization"));
            if (!access.knows(token)) {
                replyWithHeader(ex, 401, "WWW-Authenticate", "Bearer realm=\"redsaga\"", DtmReply.failure(
                        "this coordinator needs a token: send Authorization: Bearer <token> (--api-token or "
                        + "--admin-token of the server)"));
                return false;
            }
            if (!access.grants(token, scope)) {
                reply(ex, 403, DtmReply.failure(ex.path() + switch (scope) {
                    case METRICS -> " needs a token of the metrics scope (--metrics-token) or the admin scope";
                    case SUBMIT -> " needs a token of the submit scope (--api-token) or the admin scope";
                    case ADMIN -> " needs a token of the admin scope (--admin-token)";
                }));
                return false;
            }
        }
        boolean dtmGet = TOPIC_CHANGES.contains(route) && "GET".equals(ex.method());
        if (dtmGet && crossSite(ex)) {
            // DTM's clients change topics with a GET; a browser's GET from another site (a link, an image) must not
            reply(ex, 403, DtmReply.failure(ex.path() + " was sent by a browser page of another site; send it from "
                    + "the coordinator's own pages or a client, or as a JSON POST"));
            return false;
        }
        if (STATE_CHANGES.contains(route) || (TOPIC_CHANGES.contains(route) && !dtmGet)) {
            if (!"POST".equals(ex.method())) {
                reply(ex, 405, DtmReply.failure(ex.path() + " takes POST with a JSON body, not " + ex.method()));
                return false;
            }
            String type = ex.header("Content-Type");
            if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
                reply(ex, 415, DtmReply.failure(ex.path() + " takes a JSON body: send Content-Type: application/json"));
                return false;
            }
        }
        return true;
    }

    /** Whether a browser says the request comes from a page of another site (Fetch Metadata). */
    private static boolean crossSite(HttpEndpoint.Exchange ex) {
        String site = ex.header("Sec-Fetch-Site");
        return site != null && !site.equals("same-origin") && !site.equals("none");
    }

    /** A topic change: from the query parameters of DTM's GET, or from a JSON POST's body. */
    private TopicRequest topicRequest(HttpEndpoint.Exchange ex) throws IOException {
        if ("GET".equals(ex.method())) {
            Map<String, String> q = RequestBodies.query(ex);
            return new TopicRequest(q.get("topic"), q.get("url"), q.get("remark"));
        }
        return requests.read(ex, TopicRequest.class);
    }

    /** The request's route as the metrics name it: a fixed set, so that no caller can add series at will. */
    private static String routeName(String path) {
        if (path.startsWith(PREFIX) && ROUTES.contains(path.substring(PREFIX.length()))) {
            return path.substring(PREFIX.length());
        }
        if (path.startsWith(PREFIX + TOPIC)) {
            return "topic";
        }
        return switch (path) {
            case PING -> "ping";
            case LIVE -> "health_live";
            case READY -> "health_ready";
            case METRICS -> "metrics";
            default -> "other";
        };
    }

    /** Whether the caller may do what only operators may: no token is required here, or its token is an admin's. */
    private boolean isOperator(HttpEndpoint.Exchange ex) {
        return !access.requiresToken() || access.grants(bearer(ex.header("Authorization")), AccessPolicy.Scope.ADMIN);
    }

    /** A short random name for a failure, shown to the caller and written to the log with the detail. */
    static String incident() {
        return Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 1, 36);
    }

    private static String bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return authorization.substring(7).strip();
    }

    private void reply(HttpEndpoint.Exchange ex, int status, Object body) throws IOException {
        replyWithHeader(ex, status, null, null, body);
    }

    /**
     * Answers, after reading what is left of the request body (up to the size limit): a client still sending its
     * body when an early refusal (401, 403, 415, ...) arrives would otherwise see the connection reset instead of
     * the answer.
     */
    private void replyWithHeader(HttpEndpoint.Exchange ex, int status, String header, String value, Object body)
            throws IOException {
        try (InputStream in = ex.body()) {
            in.readNBytes(maxBodyBytes + 1);
        } catch (IOException e) {
            // the client went away: the answer below fails the same way, or goes nowhere
        }
        byte[] bytes = json.writeValueAsBytes(body);
        metrics.requestAnswered(routeName(ex.path()), status);
        if (header == null) {
            ex.respond(status, "application/json", bytes);
        } else {
            ex.respondWithHeader(status, header, value, "application/json", bytes);
        }
    }
}
