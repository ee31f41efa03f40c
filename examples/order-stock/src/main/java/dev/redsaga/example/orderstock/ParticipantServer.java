package dev.redsaga.example.orderstock;

import dev.redsaga.client.BranchAnswer;
import dev.redsaga.client.barrier.DeadlineExceededException;
import dev.redsaga.protocol.BranchDeadline;
import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.WireJson;
import dev.redsaga.server.http.HttpEndpoint;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * The HTTP side of a demo service: routes branch requests to {@link Business} code, runs each in a local
 * transaction — through the sub-transaction barrier, or plainly with {@code --no-barrier} — and injects the
 * configured {@link Faults} around it.
 *
 * <p>It sheds what it cannot do in time instead of queueing it: a request starts its transaction only with one of
 * {@code workers} permits (as many as the database connections), waits for one at most until the coordinator's
 * deadline ({@link BranchDeadline}), and is answered 503 at once when the deadline has passed or too many wait
 * already. Work done for a caller who has given up — and will call again — is what kept a restarted service
 * buried under its backlog (docs/chaos.md).
 */
public final class ParticipantServer implements AutoCloseable {
    /** A memory guard: the deadline is what bounds the wait; this only caps how many wait at once. */
    private static final int WAITING_PER_WORKER = 64;
    private final Map<String, Business> routes = new HashMap<>();
    private final java.util.Set<String> backChecks = new java.util.HashSet<>();
    private HttpEndpoint http;
    private final DataSource db;
    private final TransactionRunner runner;
    private final Faults faults;
    private final long lateMs;
    private final long slowAnswerMs;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("faults").factory());
    private final AtomicLong lateInFlight = new AtomicLong();
    private final AtomicLong injected = new AtomicLong();
    private final AtomicLong shed = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong answeredLate = new AtomicLong();
    private final Semaphore permits;
    private final int maxWaiting;
    private final AtomicInteger waiting = new AtomicInteger();
    private final long defaultWaitMs;

    /**
     * @param workers          transactions run at once (the database connections of the service)
     * @param requestTimeoutMs the coordinator's branch request timeout: a TIMEOUT fault answers after it, a HANG
     *                         fault runs the work late, well after it; and the longest wait for a permit of a
     *                         request that carries no deadline
     */
    public ParticipantServer(DataSource db, int workers, TransactionRunner runner, Faults faults, long requestTimeoutMs)
            throws IOException {
        this.db = db;
        this.permits = new Semaphore(workers);
        this.maxWaiting = WAITING_PER_WORKER * workers;
        this.defaultWaitMs = requestTimeoutMs;
        this.runner = runner;
        this.faults = faults;
        this.slowAnswerMs = requestTimeoutMs + 300;
        this.lateMs = 3 * requestTimeoutMs;
    }

    public ParticipantServer route(String path, Business business) {
        routes.put(path, business);
        return this;
    }

    /** Answers 2-phase messages' back-checks ({@code query_prepared}) at {@code path}, from the barrier. */
    public ParticipantServer backCheck(String path) {
        backChecks.add(path);
        return this;
    }

    /** Listens on 127.0.0.1:{@code port} (0: a free port). */
    public ParticipantServer start(int port) throws IOException {
        http = HttpEndpoint.start("127.0.0.1", port, "participant", this::handle);
        return this;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + http.port() + path;
    }

    /** Late (hanging) requests not yet executed: wait for zero before auditing. */
    public long lateInFlight() {
        return lateInFlight.get();
    }

    public long faultsInjected() {
        return injected.get();
    }

    /** Branch requests received on a known route, whatever became of them. */
    public long requests() {
        return requests.get();
    }

    /**
     * Answers sent after the coordinator's deadline for the request had passed: work done for a caller who had
     * already given up (whatever the service did with the deadline).
     */
    public long answeredLate() {
        return answeredLate.get();
    }

    /** Requests answered 503 without being run: past their deadline, or too many waiting. */
    public long shed() {
        return shed.get();
    }

    private void handle(HttpEndpoint.Exchange ex) throws IOException {
        if (backChecks.contains(ex.path())) {
            backCheck(ex);
            return;
        }
        Business business = routes.get(ex.path());
        if (business == null) {
            ex.respondJson(404, BranchAnswer.failure("no route " + ex.path()).body());
            return;
        }
        requests.incrementAndGet();
        {
            Business.BranchCall parsed;
            try {
                parsed = parse(ex);
            } catch (IllegalArgumentException e) {
                ex.respondJson(400, BranchAnswer.failure(e.getMessage()).body());
                return;
            }
            // a naive service: nothing looks at the deadline
            Business.BranchCall call = faults.naive() ? withoutDeadline(parsed) : parsed;
            if (BranchDeadline.passed(call.deadline(), System.currentTimeMillis())) {
                shed.incrementAndGet();
                BranchAnswer late = BranchAnswer.retryLater("the deadline passed before the request was read");
                ex.respondJson(late.status(), late.body());
                return;
            }
            Faults.Kind fault = faults.next(BranchOp.fromWire(call.op()).isCompensation());
            if (fault != Faults.Kind.NONE) {
                injected.incrementAndGet();
            }
            BranchAnswer answer = switch (fault) {
                case FAIL_FAILURE -> BranchAnswer.failure("injected failure");
                case FAIL_ERROR -> null;
                case HANG -> {
                    lateInFlight.incrementAndGet();
                    // run late and without a deadline or a permit: the late action must reach the barrier, which
                    // is what this fault is there to exercise
                    Business.BranchCall late = withoutDeadline(call);
                    timers.schedule(() -> workers.execute(() -> {
                        try {
                            execute(late, business);
                        } finally {
                            lateInFlight.decrementAndGet();
                        }
                    }), lateMs, TimeUnit.MILLISECONDS);
                    yield null;
                }
                case DUPLICATE -> {
                    Future<BranchAnswer> twin = workers.submit(() -> admitted(call, business));
                    BranchAnswer first = admitted(call, business);
                    try {
                        twin.get();
                    } catch (Exception e) {
                        // the twin's answer is not sent anywhere
                    }
                    yield first;
                }
                case TIMEOUT -> {
                    BranchAnswer a = admitted(call, business);
                    sleep(slowAnswerMs);
                    yield a;
                }
                case NONE -> admitted(call, business);
            };
            if (BranchDeadline.passed(parsed.deadline(), System.currentTimeMillis())) {
                answeredLate.incrementAndGet();
            }
            if (answer == null) {
                ex.respondJson(500, "{\"message\":\"injected error\"}");
            } else {
                ex.respondJson(answer.status(), answer.body());
            }
        }
    }

    /**
     * A message's back-check, under the faults that can befall any request (never a FAILURE: that answer would say
     * the local transaction did not commit).
     */
    private void backCheck(HttpEndpoint.Exchange ex) throws IOException {
        requests.incrementAndGet();
        Map<String, String> q;
        try {
            q = query(ex);
        } catch (IllegalArgumentException e) {
            ex.respondJson(400, BranchAnswer.failure("bad query string: " + e.getMessage()).body());
            return;
        }
        if (q.get("gid") == null || q.get("gid").isEmpty()) {
            ex.respondJson(400, BranchAnswer.failure("query parameter gid is required").body());
            return;
        }
        Faults.Kind fault = faults.next(true);
        if (fault != Faults.Kind.NONE) {
            injected.incrementAndGet();
        }
        if (fault == Faults.Kind.FAIL_ERROR || fault == Faults.Kind.HANG) {
            ex.respondJson(500, "{\"message\":\"injected error\"}");
            return;
        }
        if (fault == Faults.Kind.DUPLICATE) {
            workers.execute(() -> queryPrepared(q.get("gid")));
        }
        BranchAnswer a = queryPrepared(q.get("gid"));
        if (fault == Faults.Kind.TIMEOUT) {
            sleep(slowAnswerMs);
        }
        ex.respondJson(a.status(), a.body());
    }

    private BranchAnswer queryPrepared(String gid) {
        try (Connection c = db.getConnection()) {
            return BranchAnswer.of(runner.queryPrepared(c, gid));
        } catch (SQLException | RuntimeException e) {
            return new BranchAnswer(Outcome.TRANSIENT, e.toString());
        }
    }

    /** Runs the call with a permit, waiting for one at most until its deadline; 503 when it cannot. */
    private BranchAnswer admitted(Business.BranchCall call, Business business) {
        if (faults.naive()) {
            permits.acquireUninterruptibly(); // queues without bound, like a thread pool in front of a connection pool
            return withPermit(call, business);
        }
        if (waiting.incrementAndGet() > maxWaiting) {
            waiting.decrementAndGet();
            shed.incrementAndGet();
            return BranchAnswer.retryLater("busy: " + maxWaiting + " requests are waiting already");
        }
        boolean admitted;
        try {
            long waitMs = call.deadline() == BranchDeadline.NONE ? defaultWaitMs
                    : call.deadline() - System.currentTimeMillis();
            admitted = waitMs > 0 && permits.tryAcquire(waitMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            admitted = false;
        } finally {
            waiting.decrementAndGet();
        }
        if (!admitted) {
            shed.incrementAndGet();
            return BranchAnswer.retryLater("the deadline passed while the request waited for a database connection");
        }
        return withPermit(call, business);
    }

    /** Runs the call for which a permit is taken ({@code slowMs} longer when slow), then gives the permit back. */
    private BranchAnswer withPermit(Business.BranchCall call, Business business) {
        try {
            sleep(faults.slowMs());
            return execute(call, business);
        } finally {
            permits.release();
        }
    }

    private BranchAnswer execute(Business.BranchCall call, Business business) {
        try (Connection c = db.getConnection()) {
            Outcome o = runner.run(c, call, business);
            return BranchAnswer.of(o);
        } catch (DeadlineExceededException e) {
            shed.incrementAndGet();
            return BranchAnswer.retryLater(e.getMessage());
        } catch (SQLException | RuntimeException e) {
            // transient: the coordinator retries
            return new BranchAnswer(Outcome.TRANSIENT, e.toString());
        }
    }

    private static Map<String, String> query(HttpEndpoint.Exchange ex) {
        Map<String, String> q = new HashMap<>();
        String raw = ex.rawQuery();
        if (raw != null) {
            for (String kv : raw.split("&")) {
                int i = kv.indexOf('=');
                if (i > 0) {
                    q.put(kv.substring(0, i), URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return q;
    }

    private static Business.BranchCall parse(HttpEndpoint.Exchange ex) throws IOException {
        Map<String, String> q = query(ex);
        for (String k : new String[] {"gid", "trans_type", "branch_id", "op"}) {
            if (q.get(k) == null || q.get(k).isEmpty()) {
                throw new IllegalArgumentException("query parameter " + k + " is required");
            }
        }
        BranchOp.fromWire(q.get("op"));
        Purchase p;
        try {
            p = WireJson.mapper().readValue(ex.body(), Purchase.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("body is not a purchase: " + e.getMessage());
        }
        return new Business.BranchCall(q.get("gid"), q.get("trans_type"), q.get("branch_id"), q.get("op"), p,
                BranchDeadline.parse(ex.header(BranchDeadline.HEADER)));
    }

    private static Business.BranchCall withoutDeadline(Business.BranchCall c) {
        return new Business.BranchCall(c.gid(), c.transType(), c.branchId(), c.op(), c.purchase(), BranchDeadline.NONE);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
        timers.shutdownNow();
        workers.shutdownNow();
    }
}
