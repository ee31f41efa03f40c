package dev.redsaga.example.orderstock;

import dev.redsaga.client.Msg;
import dev.redsaga.client.RedsagaClient;
import dev.redsaga.client.barrier.BranchBarrier;
import dev.redsaga.client.barrier.JdbcBarrier;
import dev.redsaga.protocol.BranchDeadline;
import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.TransType;
import dev.redsaga.client.Tcc;
import dev.redsaga.protocol.WireJson;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.FlowControl;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.store.TransactionRecord;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The seed's experiment: N purchase sagas (create order → deduct stock) at a given concurrency against a
 * stock of S, on a coordinator and two services with their own databases; then the {@link Auditor}. As TCC: the
 * client tries the order (a pending row) and the stock (frozen units), the coordinator confirms or cancels both.
 * As a 2-phase message: the stock is deducted in a local transaction on the stock database, and a message creates
 * the order once that committed.
 */
public final class Experiment {
    public static final String PRODUCT = OrderStockSystem.PRODUCT;

    /** How each purchase runs. */
    public enum Mode {
        /** a saga: create the order, deduct the stock; compensations cancel and restore */
        SAGA,
        /** TCC: try both (pending order, frozen stock), then confirm both, or cancel both */
        TCC,
        /**
         * a 2-phase message: deduct the stock in a local transaction on the stock database; once it committed, the
         * message creates the order (called until it succeeds); when it rolled back (no stock), nothing is sent
         */
        MSG
    }

    /** How long a demo message waits for its submit before the coordinator asks the stock service (whole seconds). */
    static final Duration MSG_TIMEOUT = Duration.ofSeconds(2);

    /**
     * @param coordinatorStore the coordinator's store URI ({@code h2:<dir>/coordinator} by default: embedded)
     * @param requestTimeoutMs branch request timeout (short, so injected timeouts resolve quickly)
     * @param drainTimeout     how long to wait for every saga to end after the last submit
     * @param branchFlow       how the coordinator paces its calls to the services
     * @param mode             saga or TCC
     */
    public record Settings(int requests, int concurrency, int stock, Backend backend, Faults faults, boolean barrier,
            String coordinatorStore, long requestTimeoutMs, Duration drainTimeout, FlowControl branchFlow, Mode mode) {
        public Settings {
            if (requests < 1) {
                throw new IllegalArgumentException("--requests must be at least 1, was " + requests);
            }
            if (concurrency < 1) {
                throw new IllegalArgumentException("--concurrency must be at least 1, was " + concurrency);
            }
            if (stock < 0) {
                throw new IllegalArgumentException("--stock must not be negative, was " + stock);
            }
        }

        /** Settings of a saga run with the server's default pacing. */
        public Settings(int requests, int concurrency, int stock, Backend backend, Faults faults, boolean barrier,
                String coordinatorStore, long requestTimeoutMs, Duration drainTimeout) {
            this(requests, concurrency, stock, backend, faults, barrier, coordinatorStore, requestTimeoutMs,
                    drainTimeout, FlowControl.defaults(ServerConfig.DEFAULT_BRANCH_LIMIT), Mode.SAGA);
        }

        /** These settings, run as {@code m}. */
        public Settings withMode(Mode m) {
            return new Settings(requests, concurrency, stock, backend, faults, barrier, coordinatorStore,
                    requestTimeoutMs, drainTimeout, branchFlow, m);
        }
    }

    /** Called about every 200 ms while the run goes on. */
    public interface Progress {
        void update(int submitted, int requests, int finished, long elapsedMs);
    }

    /**
     * @param droppedSubmits messages whose submit was dropped (included in {@code faultsInjected})
     * @param metrics        the coordinator's {@code /api/metrics} at the end of the run (Prometheus's text format)
     * @param serviceRequests branch requests the services received
     * @param answeredLate   of those, answered after the coordinator's deadline for them had passed
     */
    public record Result(Auditor.Report report, int submitErrors, String firstSubmitError, long elapsedMs,
            double throughputPerSecond, long faultsInjected, int droppedSubmits, String metrics, long serviceRequests,
            long answeredLate) {
    }

    private Experiment() {
    }

    /** The coordinator's figures, read as Prometheus reads them: {@code GET /api/metrics}. */
    private static String scrapeMetrics(String coordinator) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(coordinator + "/api/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("GET /api/metrics answered " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        }
    }

    public static Result run(Settings s, Progress progress) throws Exception {
        List<AutoCloseable> toClose = new ArrayList<>();
        try {
            OrderStockSystem services = OrderStockSystem.start(s.backend(), s.stock(), s.barrier(), s.faults(),
                    s.requestTimeoutMs());
            toClose.add(services);
            ParticipantServer orderService = services.orderService();
            ParticipantServer stockService = services.stockService();
            EngineOptions engine = EngineOptions.builder().defaultRequestTimeoutMs(s.requestTimeoutMs())
                    .defaultRetryIntervalMs(200).retryCapMs(2_000).leaseMs(10_000).pollIntervalMs(200)
                    .maxConcurrentDrives(Math.max(1024, 2 * s.concurrency())).build();
            RedsagaServer coordinator = RedsagaServer.start(ServerConfig.builder().port(0).store(s.coordinatorStore())
                    .engine(engine).branchFlow(s.branchFlow()).build());
            toClose.add(coordinator);
            RedsagaClient client = RedsagaClient.builder(coordinator.baseUrl()).timeout(Duration.ofSeconds(60)).build();
            JdbcBarrier stockBarrier = s.mode() == Mode.MSG ? JdbcBarrier.detect(services.stockDatabase()) : null;
            List<Auditor.Submitted> sagas = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger submitted = new AtomicInteger();
            AtomicInteger submitErrors = new AtomicInteger();
            AtomicInteger droppedSubmits = new AtomicInteger();
            AtomicReference<String> firstSubmitError = new AtomicReference<>();
            long start = System.nanoTime();
            Semaphore slots = new Semaphore(s.concurrency());
            try (ExecutorService load = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < s.requests(); i++) {
                    slots.acquire();
                    long user = i;
                    load.execute(() -> {
                        String gid = client.newGid();
                        Purchase p = new Purchase(user, PRODUCT, 1);
                        boolean acknowledged = false;
                        try {
                            if (s.mode() == Mode.TCC) {
                                String body = WireJson.mapper().writeValueAsString(p);
                                try {
                                    client.tcc(gid, t -> {
                                        t.callBranch(body, orderService.url("/order/try"),
                                                orderService.url("/order/confirm"), orderService.url("/order/cancel"));
                                        t.callBranch(body, stockService.url("/stock/try"),
                                                stockService.url("/stock/confirm"), stockService.url("/stock/cancel"));
                                    });
                                } catch (Tcc.TryRefusedException refused) {
                                    // a try refused (no stock, an injected fault): aborted, the branches cancelled
                                }
                            } else if (s.mode() == Mode.MSG) {
                                if (!sendMessage(client, gid, p, services, stockBarrier, s.faults())) {
                                    droppedSubmits.incrementAndGet();
                                }
                            } else {
                                client.saga(gid)
                                        .step(orderService.url("/order/create"), orderService.url("/order/cancel"), p)
                                        .step(stockService.url("/stock/deduct"), stockService.url("/stock/restore"), p)
                                        .submit();
                            }
                            acknowledged = true;
                        } catch (Exception e) {
                            if (submitErrors.incrementAndGet() == 1) {
                                firstSubmitError.set(e.getMessage());
                            }
                        } finally {
                            // an unacknowledged submit may still have been stored: audit it all the same
                            sagas.add(new Auditor.Submitted(gid, p.qty(), acknowledged));
                            submitted.incrementAndGet();
                            slots.release();
                        }
                    });
                    if (i % 50 == 0) {
                        progress.update(submitted.get(), s.requests(), -1, elapsedMs(start));
                    }
                }
            }
            long deadline = System.nanoTime() + s.drainTimeout().toNanos();
            List<Auditor.Submitted> open = new ArrayList<>(sagas);
            while (System.nanoTime() < deadline) {
                // done: terminal, or never acknowledged and not stored (the submit failed before the store)
                open.removeIf(saga -> {
                    Optional<TransactionRecord> r = coordinator.store().find(saga.gid());
                    return r.isPresent() ? r.get().status().isTerminal() : !saga.acknowledged();
                });
                progress.update(submitted.get(), s.requests(), s.requests() - open.size(), elapsedMs(start));
                if (open.isEmpty() && services.lateInFlight() == 0) {
                    break;
                }
                Thread.sleep(200);
            }
            long elapsed = elapsedMs(start);
            Auditor.Report report = Auditor.audit(coordinator.store(), List.copyOf(sagas),
                    services.ordersDatabase(), services.stockDatabase(), PRODUCT, s.stock());
            return new Result(report, submitErrors.get(), firstSubmitError.get(), elapsed,
                    s.requests() * 1000.0 / Math.max(1, elapsed), services.faultsInjected() + droppedSubmits.get(),
                    droppedSubmits.get(), scrapeMetrics(coordinator.baseUrl()), services.serviceRequests(),
                    services.answeredLate());
        } finally {
            Collections.reverse(toClose);
            for (AutoCloseable c : toClose) {
                try {
                    c.close();
                } catch (Exception e) {
                    // closing is best effort
                }
            }
        }
    }

    /**
     * One purchase as a 2-phase message, as the stock service would send it: its stock is deducted in a local
     * transaction (FAILURE when short: rolled back, the message aborted), then the message creates the order. A
     * dropped submit leaves the message prepared: the coordinator asks the stock service's back-check after
     * {@link #MSG_TIMEOUT}, which finds the committed deduction and sends the message all the same.
     *
     * @return false if the submit was dropped
     */
    private static boolean sendMessage(RedsagaClient client, String gid, Purchase p, OrderStockSystem services,
            JdbcBarrier barrier, Faults faults) throws Exception {
        Msg msg = client.msg(gid).add(services.orderService().url("/order/create"),
                WireJson.mapper().writeValueAsString(p)).timeoutToFail(MSG_TIMEOUT);
        String queryPrepared = services.stockService().url("/stock/query-prepared");
        Business.BranchCall call = new Business.BranchCall(gid, TransType.MSG.wire(), "00", BranchOp.MSG.wire(), p,
                BranchDeadline.NONE);
        JdbcBarrier.Business deduct = tx -> StockService.DEDUCT.run(tx, call);
        if (!faults.dropSubmit()) {
            msg.doAndSubmitDb(queryPrepared, services.stockDatabase(), barrier, deduct);
            return true;
        }
        msg.prepare(queryPrepared);
        try (Connection c = services.stockDatabase().getConnection()) {
            barrier.call(c, new BranchBarrier(TransType.MSG.wire(), gid, "00", BranchOp.MSG), deduct);
        } // the sender dies here: no submit, no abort
        return false;
    }

    private static long elapsedMs(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
