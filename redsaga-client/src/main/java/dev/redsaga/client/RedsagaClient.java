package dev.redsaga.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redsaga.client.internal.TraceHeaders;
import dev.redsaga.protocol.AbortRequest;
import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.BranchRegistration;
import dev.redsaga.protocol.DtmReply;
import dev.redsaga.protocol.Gids;
import dev.redsaga.protocol.KvReply;
import dev.redsaga.protocol.ListReply;
import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.QueryReply;
import dev.redsaga.protocol.TopicRequest;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.TransType;
import dev.redsaga.protocol.WireJson;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * A client of a redsaga (or DTM) coordinator. Immutable and thread-safe: build one and share it.
 *
 * <pre>{@code
 * RedsagaClient client = RedsagaClient.builder("http://127.0.0.1:36789").build();
 * SubmitResult r = client.saga(client.newGid())
 *         .step("http://127.0.0.1:8081/order/create", "http://127.0.0.1:8081/order/cancel", "{\"user\":1}")
 *         .step("http://127.0.0.1:8082/stock/deduct", "http://127.0.0.1:8082/stock/restore", "{\"n\":1}")
 *         .waitResult()
 *         .submit();
 * }</pre>
 */
public final class RedsagaClient {
    private static final String API = "/api/dtmsvr/";
    /** The coordinator's answer when its store did not confirm a write: the outcome is unknown. */
    private static final int GATEWAY_TIMEOUT = 504;

    private final URI base;
    private final Duration timeout;
    private final String authorization;
    private final HttpClient http;
    private final ObjectMapper json = WireJson.mapper();

    private RedsagaClient(Builder b) {
        this.base = b.base;
        this.timeout = b.timeout;
        this.authorization = b.token == null ? null : "Bearer " + b.token;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(b.connectTimeout)
                .build();
    }

    /** @param baseUrl the coordinator, e.g. {@code http://127.0.0.1:36789} */
    public static Builder builder(String baseUrl) {
        return new Builder(baseUrl);
    }

    /** A fresh gid, made locally (no round trip); unique across processes. */
    public String newGid() {
        return Gids.newGid();
    }

    /** Starts describing a saga with this gid. */
    public Saga saga(String gid) {
        return new Saga(this, gid);
    }

    /**
     * The transaction and its branches as the coordinator stores them; for a gid it does not have, a reply whose
     * {@code transaction()} is null (as DTM answers).
     */
    public QueryReply query(String gid) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("query?gid=" + enc(gid))).GET());
        if (r.statusCode() != 200) {
            throw refused("query " + gid, r);
        }
        return read(r.body(), QueryReply.class);
    }

    /**
     * One page of transactions, newest first; {@code status} and {@code position} may be null. Pass the reply's
     * {@code nextPosition()} for the next page while {@code hasNext()}.
     */
    public ListReply list(String status, String position, int limit) {
        return list(status, null, position, limit);
    }

    /** {@link #list(String, String, int)}, also by {@code transType} ({@code saga}, {@code tcc}, ...; may be null). */
    public ListReply list(String status, String transType, String position, int limit) {
        StringBuilder q = new StringBuilder("all?limit=").append(limit);
        if (status != null) {
            q.append("&status=").append(enc(status));
        }
        if (transType != null) {
            q.append("&transType=").append(enc(transType));
        }
        if (position != null) {
            q.append("&position=").append(enc(position));
        }
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri(q.toString())).GET());
        if (r.statusCode() != 200) {
            throw refused("list", r);
        }
        return read(r.body(), ListReply.class);
    }

    /** Aborts a prepared or running saga (a running one is compensated). */
    public void abort(String gid) {
        post("abort", new TransRequest(gid, TransRequest.TRANS_TYPE_SAGA, null, null, null, null, null, null, null,
                null, null, null), false);
    }

    /**
     * An operator's "retry now" (DTM's {@code resetNextCronTime}): a transaction waiting out a retry backoff is
     * driven again within the coordinator's recovery poll interval. Needs the admin token where tokens are on.
     */
    public void retryNow(String gid) {
        post("resetNextCronTime", gid, new AbortRequest(gid, null, null), false);
    }

    /**
     * Subscribes {@code url} to {@code topic} (created if new): a message step {@code topic://<topic>} then goes to
     * it too. {@code remark} (may be null) is a note for operators. Needs the admin token where tokens are on.
     */
    public void subscribe(String topic, String url, String remark) {
        post("subscribe", topic, new TopicRequest(topic, url, remark), false);
    }

    /** Removes {@code url} from the subscribers of {@code topic}. Needs the admin token where tokens are on. */
    public void unsubscribe(String topic, String url) {
        post("unsubscribe", topic, new TopicRequest(topic, url, null), false);
    }

    /** Deletes {@code topic}; messages already stored keep their branches. Needs the admin token. */
    public void deleteTopic(String topic) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("topic/" + enc(topic))).DELETE());
        if (r.statusCode() != 200) {
            throw refused("delete topic " + topic, r);
        }
    }

    /**
     * One page of topics, by name, each with its subscribers ({@code v}: JSON); {@code position} null for the first.
     * Pass the reply's {@code nextPosition()} for the next page while {@code hasNext()}. Needs the admin token.
     */
    public KvReply topics(String position, int limit) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("scanKV?cat=topics&limit=" + limit
                + (position == null ? "" : "&position=" + enc(position)))).GET());
        if (r.statusCode() != 200) {
            throw refused("list topics", r);
        }
        return read(r.body(), KvReply.class);
    }

    /** Marks a saga failed without calling any branch (operator's last resort). */
    public void forceStop(String gid) {
        post("forceStop", new TransRequest(gid, null, null, null, null, null, null, null, null, null, null, null),
                false);
    }

    /**
     * Runs a TCC transaction under {@code gid}: prepares it, runs {@code body} — which calls each branch's try with
     * {@link Tcc#callBranch} — and submits it when {@code body} returns: the coordinator then confirms every branch.
     * When {@code body} throws (a try refused, anything else), it aborts the transaction — the coordinator cancels
     * every registered branch — and rethrows (an abort that fails is attached as suppressed: the coordinator then
     * cancels the branches when the transaction's {@code timeout_to_fail} passes). Like DTM's
     * {@code TccGlobalTransaction}.
     *
     * <pre>{@code
     * client.tcc(client.newGid(), t -> {
     *     t.callBranch("{\"n\":1}", stock + "/try", stock + "/confirm", stock + "/cancel");
     *     t.callBranch("{\"n\":1}", order + "/try", order + "/confirm", order + "/cancel");
     * });
     * }</pre>
     *
     * @throws Exception what {@code body} threw, after the abort
     */
    public void tcc(String gid, Tcc.Body body) throws Exception {
        TransRequest tcc = new TransRequest(gid, TransType.TCC.wire(), null, null, null, null, null, null, null, null,
                null, null);
        post("prepare", gid, tcc, false);
        Tcc t = new Tcc(this, gid);
        try {
            body.run(t);
        } catch (Exception | Error e) {
            try {
                abort(gid, TransType.TCC, String.valueOf(e.getMessage()));
            } catch (RuntimeException abortFailed) {
                // the coordinator cancels it anyway once its timeout_to_fail passes
                e.addSuppressed(abortFailed);
            }
            throw e;
        }
        post("submit", gid, tcc, false);
    }

    /**
     * Starts describing a 2-phase message with this gid: its branches are called once a local transaction committed
     * ({@link Msg#doAndSubmitDb}), each until it succeeds.
     */
    public Msg msg(String gid) {
        return new Msg(this, gid);
    }

    /**
     * Registers a branch of a prepared TCC or XA transaction: done for you by {@link Tcc#callBranch} and by
     * {@link dev.redsaga.client.barrier.XaBranch}.
     */
    public void registerBranch(BranchRegistration branch) {
        post("registerBranch", branch.gid(), branch, false);
    }

    /**
     * Runs an XA transaction under {@code gid}: prepares it, runs {@code body} — which calls each branch with
     * {@link Xa#callBranch}; each branch runs its local work as a prepared XA transaction and registers itself
     * ({@link dev.redsaga.client.barrier.XaBranch}) — and submits it when {@code body} returns: the coordinator then
     * commits every branch. When {@code body} throws, it aborts the transaction — every registered branch is rolled
     * back — and rethrows. Like DTM's {@code XaGlobalTransaction}.
     *
     * <pre>{@code
     * client.xa(client.newGid(), x -> {
     *     x.callBranch("{\"n\":1}", stock + "/xa/deduct");
     *     x.callBranch("{\"n\":1}", order + "/xa/create");
     * });
     * }</pre>
     *
     * @throws Exception what {@code body} threw, after the abort
     */
    public void xa(String gid, Xa.Body body) throws Exception {
        TransRequest xa = new TransRequest(gid, TransType.XA.wire(), null, null, null, null, null, null, null, null,
                null, null);
        post("prepare", gid, xa, false);
        try {
            body.run(new Xa(this, gid));
        } catch (Exception | Error e) {
            try {
                abort(gid, TransType.XA, String.valueOf(e.getMessage()));
            } catch (RuntimeException abortFailed) {
                e.addSuppressed(abortFailed); // rolled back anyway once its timeout_to_fail passes
            }
            throw e;
        }
        post("submit", gid, xa, false);
    }

    /** How a caller of {@link #callBranch} names a branch that did not succeed. */
    @FunctionalInterface
    interface Refusal {
        RedsagaException of(int httpStatus, String message);
    }

    /**
     * Calls a branch directly, as a TCC try or an XA action: the coordinator is not involved. POST, with {@code gid},
     * {@code trans_type}, {@code branch_id} and {@code op} in the query, as DTM's clients do.
     *
     * @return the branch's answer body
     * @throws RedsagaException from {@code refusal} when it answered anything but success, or not at all
     */
    String callBranch(String gid, TransType type, String branchId, BranchOp op, String url, String body,
            Refusal refusal) {
        URI uri = URI.create(url + (url.contains("?") ? "&" : "?") + "gid="
                + URLEncoder.encode(gid, StandardCharsets.UTF_8) + "&trans_type=" + type.wire() + "&branch_id="
                + branchId + "&op=" + op.wire());
        HttpResponse<String> r;
        try {
            r = http.send(TraceHeaders.addTo(HttpRequest.newBuilder(uri)).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw refusal.of(0, url + " did not answer: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw refusal.of(0, url + ": interrupted while waiting for its answer");
        }
        if (Outcome.classify(r.statusCode(), r.body()) != Outcome.SUCCESS) {
            String answer = r.body() == null ? "" : r.body().length() <= 200 ? r.body()
                    : r.body().substring(0, 200) + "...";
            throw refusal.of(r.statusCode(), url + " answered HTTP " + r.statusCode() + ": " + answer);
        }
        return r.body();
    }

    private void abort(String gid, TransType type, String reason) {
        post("abort", gid, new AbortRequest(gid, type.wire(), reason), false);
    }

    SubmitResult post(String route, TransRequest body, boolean outcomeExpected) {
        return post(route, body.gid(), body, outcomeExpected);
    }

    SubmitResult post(String route, String gid, Object body, boolean outcomeExpected) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot serialise the transaction: " + e.getMessage(), e);
        }
        HttpResponse<String> r;
        try {
            // in the caller's trace, if it has one: the transaction's branch calls join it
            r = http.send(TraceHeaders.addTo(authorized(HttpRequest.newBuilder(uri(route)))).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw unreachable(e); // never sent
        } catch (IOException e) {
            throw new OutcomeUnknownException(gid, 0, route + " " + gid + ": no answer from the "
                    + "coordinator (" + e + "); it may have been done: query the gid, or send the same request again",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OutcomeUnknownException(gid, 0, "interrupted while waiting for " + route + " "
                    + gid + "; it may have been done: query the gid", e);
        }
        if (r.statusCode() == GATEWAY_TIMEOUT) {
            throw new OutcomeUnknownException(gid, r.statusCode(), route + " " + gid
                    + ": outcome unknown (HTTP 504): " + messageOf(r.body()), null);
        }
        Outcome o = Outcome.classify(r.statusCode(), r.body());
        if (o == Outcome.SUCCESS) {
            return SubmitResult.SUCCESS;
        }
        if (outcomeExpected && o == Outcome.ONGOING) {
            return SubmitResult.ONGOING;
        }
        if (outcomeExpected && r.statusCode() == Outcome.FAILURE.httpStatus()) {
            return SubmitResult.FAILURE;
        }
        throw refused(route + " " + gid, r);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(authorized(request).timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedsagaException(0, "interrupted while calling the coordinator", e);
        }
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder request) {
        return authorization == null ? request : request.header("Authorization", authorization);
    }

    private RedsagaException unreachable(IOException e) {
        return new RedsagaException(0, "cannot reach the coordinator at " + base + ": " + e, e);
    }

    private RedsagaException refused(String what, HttpResponse<String> r) {
        return new RedsagaException(r.statusCode(), what + " refused (HTTP " + r.statusCode() + "): "
                + messageOf(r.body()), null);
    }

    private String messageOf(String body) {
        try {
            DtmReply reply = json.readValue(body, DtmReply.class);
            return reply.message() != null ? reply.message() : String.valueOf(reply.dtmResult());
        } catch (IOException | RuntimeException e) {
            return body;
        }
    }

    private <T> T read(String body, Class<T> type) {
        try {
            return json.readValue(body, type);
        } catch (IOException e) {
            throw new RedsagaException(200, "unreadable answer from the coordinator: " + e.getMessage(), e);
        }
    }

    private URI uri(String route) {
        return base.resolve(API + route);
    }

    private static String enc(String s) {
        return URLEncoder.encode(Objects.requireNonNull(s, "gid"), StandardCharsets.UTF_8);
    }

    /** Builds a {@link RedsagaClient}; each setter checks its argument. */
    public static final class Builder {
        private final URI base;
        private Duration timeout = Duration.ofSeconds(30);
        private Duration connectTimeout = Duration.ofSeconds(3);
        private String token;

        private Builder(String baseUrl) {
            if (baseUrl == null || !(baseUrl.startsWith("http://") || baseUrl.startsWith("https://"))) {
                throw new IllegalArgumentException("baseUrl must be the coordinator's http(s) URL, e.g. "
                        + "http://127.0.0.1:36789; was " + baseUrl);
            }
            this.base = URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
        }

        /** Longest wait for one coordinator answer (default 30 s; a wait_result submit waits for the saga). */
        public Builder timeout(Duration t) {
            this.timeout = positive(t, "timeout");
            return this;
        }

        /**
         * The bearer token sent with every request, for a coordinator that requires one (its {@code --api-token}, or
         * {@code --admin-token} to abort, force-stop and list).
         */
        public Builder token(String token) {
            if (token == null || token.isBlank() || token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
                throw new IllegalArgumentException("token must be non-blank printable ASCII without spaces");
            }
            this.token = token;
            return this;
        }

        public Builder connectTimeout(Duration t) {
            this.connectTimeout = positive(t, "connectTimeout");
            return this;
        }

        public RedsagaClient build() {
            return new RedsagaClient(this);
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
            return d;
        }
    }
}
