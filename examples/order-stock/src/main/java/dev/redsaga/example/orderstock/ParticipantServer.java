package dev.redsaga.example.orderstock;

import dev.redsaga.client.BranchAnswer;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * The HTTP side of a demo service: routes branch requests to {@link Business} code, runs each in a local
 * transaction — through the sub-transaction barrier, or plainly with {@code --no-barrier} — and injects the
 * configured {@link Faults} around it.
 */
public final class ParticipantServer implements AutoCloseable {
    private final Map<String, Business> routes = new HashMap<>();
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

    /**
     * @param requestTimeoutMs the coordinator's branch request timeout: a TIMEOUT fault answers after it, a HANG
     *                         fault runs the work late, well after it
     */
    public ParticipantServer(DataSource db, TransactionRunner runner, Faults faults, long requestTimeoutMs)
            throws IOException {
        this.db = db;
        this.runner = runner;
        this.faults = faults;
        this.slowAnswerMs = requestTimeoutMs + 300;
        this.lateMs = 3 * requestTimeoutMs;
    }

    public ParticipantServer route(String path, Business business) {
        routes.put(path, business);
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

    private void handle(HttpEndpoint.Exchange ex) throws IOException {
        Business business = routes.get(ex.path());
        if (business == null) {
            ex.respondJson(404, BranchAnswer.failure("no route " + ex.path()).body());
            return;
        }
        {
            Business.BranchCall call;
            try {
                call = parse(ex);
            } catch (IllegalArgumentException e) {
                ex.respondJson(400, BranchAnswer.failure(e.getMessage()).body());
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
                    timers.schedule(() -> workers.execute(() -> {
                        try {
                            execute(call, business);
                        } finally {
                            lateInFlight.decrementAndGet();
                        }
                    }), lateMs, TimeUnit.MILLISECONDS);
                    yield null;
                }
                case DUPLICATE -> {
                    Future<BranchAnswer> twin = workers.submit(() -> execute(call, business));
                    BranchAnswer first = execute(call, business);
                    try {
                        twin.get();
                    } catch (Exception e) {
                        // the twin's answer is not sent anywhere
                    }
                    yield first;
                }
                case TIMEOUT -> {
                    BranchAnswer a = execute(call, business);
                    sleep(slowAnswerMs);
                    yield a;
                }
                case NONE -> execute(call, business);
            };
            if (answer == null) {
                ex.respondJson(500, "{\"message\":\"injected error\"}");
            } else {
                ex.respondJson(answer.status(), answer.body());
            }
        }
    }

    private BranchAnswer execute(Business.BranchCall call, Business business) {
        try (Connection c = db.getConnection()) {
            Outcome o = runner.run(c, call, business);
            return BranchAnswer.of(o);
        } catch (SQLException | RuntimeException e) {
            // transient: the coordinator retries
            return new BranchAnswer(Outcome.TRANSIENT, e.toString());
        }
    }

    private static Business.BranchCall parse(HttpEndpoint.Exchange ex) throws IOException {
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
        return new Business.BranchCall(q.get("gid"), q.get("trans_type"), q.get("branch_id"), q.get("op"), p);
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
