package dev.redsaga.bench;

import dev.redsaga.example.orderstock.Backend;
import dev.redsaga.example.orderstock.Faults;
import dev.redsaga.example.orderstock.OrderStockSystem;
import dev.redsaga.example.orderstock.Purchase;
import dev.redsaga.protocol.Gids;
import dev.redsaga.protocol.SagaStep;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.protocol.WireJson;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.DriveListener;
import dev.redsaga.server.engine.EngineOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Recorder;

/**
 * {@code --mode order-stock --rate R}: purchase sagas offered at R a second, open loop, whatever the system does —
 * the way overload arrives. A submit returns once the saga is stored (no {@code wait_result}); the coordinator
 * says when each saga ends. Reported: goodput (sagas that succeeded per second in the measured window), the time
 * to drain every accepted saga after the load stops, submit-to-end latency, the submits refused at the door (the
 * coordinator refuses a submit, storing nothing, when it has {@code --max-drives} sagas open and none ends within
 * {@code --drive-wait}), and those the generator never sent because 10,000 were waiting for an answer already.
 * A fresh coordinator and fresh service databases for every rate, so one rate's backlog never pollutes the next.
 */
final class GoodputBench {
    /** Submits waiting for an answer at most; beyond, the generator has fallen behind and counts a refusal. */
    private static final int MAX_SUBMITS_IN_FLIGHT = 10_000;

    /** The figures of one offered rate. */
    record Step(int rate, long offered, long accepted, long refused, long behind, long succeeded, long failed,
            double goodput, double drainSeconds, boolean drained, double p50Ms, double p99Ms, long branchRequests,
            long shed, long storeCalls) {

        /**
         * Branch requests the services received per saga that ended: the work each saga cost them. Under overload
         * it shows whether the excess load was turned away (the same as below capacity) or spent on calls nobody
         * waited for (more).
         */
        double requestsPerSaga() {
            return perSaga(branchRequests);
        }

        /** The coordinator's store round trips per saga that ended. */
        double storeCallsPerSaga() {
            return perSaga(storeCalls);
        }

        private double perSaga(long n) {
            long ended = succeeded + failed;
            return ended == 0 ? 0 : (double) n / ended;
        }
    }

    private final ConcurrentHashMap<String, Long> submittedAt = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Boolean> ended = new ConcurrentHashMap<>();
    private final LongAdder succeededInWindow = new LongAdder();
    private final LongAdder succeeded = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder behind = new LongAdder();
    private final AtomicLong lastEnd = new AtomicLong();
    private final Recorder latency = new Recorder(3);
    private volatile long windowFrom = Long.MAX_VALUE;
    private volatile long windowTo = Long.MAX_VALUE;

    private GoodputBench() {
    }

    static Step run(Backend db, String store, int products, int rate, Duration warmup, Duration duration,
            Duration maxDrain, PrintWriter progress) throws Exception {
        return new GoodputBench().measure(db, store, products, rate, warmup, duration, maxDrain, progress);
    }

    private void ended(String gid, TransStatus status) {
        Long start = submittedAt.get(gid);
        if (start == null || ended.putIfAbsent(gid, Boolean.TRUE) != null) {
            return; // not ours (an earlier run's, on a shared store), or told twice
        }
        long now = System.nanoTime();
        lastEnd.accumulateAndGet(now, Math::max);
        if (status == TransStatus.SUCCEEDED) {
            succeeded.increment();
            if (now >= windowFrom && now < windowTo) {
                succeededInWindow.increment();
            }
        } else {
            failed.increment();
        }
        if (start >= windowFrom && start < windowTo) {
            latency.recordValue(Math.max(1, (now - start) / 1000));
        }
    }

    private Step measure(Backend db, String store, int products, int rate, Duration warmup, Duration duration,
            Duration maxDrain, PrintWriter progress) throws Exception {
        try (OrderStockSystem services = OrderStockSystem.start(db, OrderStockWorkload.STOCK, true, Faults.none(),
                3_000)) {
            String[] names = OrderStockWorkload.addProducts(services, products);
            List<SagaStep> steps = List.of(
                    new SagaStep(services.orderService().url("/order/create"),
                            services.orderService().url("/order/cancel")),
                    new SagaStep(services.stockService().url("/stock/deduct"),
                            services.stockService().url("/stock/restore")));
            EngineOptions engine = EngineOptions.builder().build();
            ServerConfig config = ServerConfig.builder().port(0).store(store).engine(engine).build();
            DriveListener listener = new DriveListener() {
                @Override
                public void driveEnded(String gid, TransStatus status, DriveEnd end) {
                    if (end == DriveEnd.FINISHED) {
                        ended(gid, status);
                    }
                }
            };
            CountingStore counted = new CountingStore(dev.redsaga.server.config.StoreFactory.open(store));
            try (RedsagaServer coordinator = RedsagaServer.start(config, counted, true, listener);
                    LoadClient http = new LoadClient(256)) {
                String submitUrl = coordinator.baseUrl() + "/api/dtmsvr/submit";
                long start = System.nanoTime();
                windowFrom = start + warmup.toNanos();
                windowTo = windowFrom + duration.toNanos();
                AtomicLong user = new AtomicLong();
                LongAdder offered = new LongAdder();
                Semaphore inFlight = new Semaphore(MAX_SUBMITS_IN_FLIGHT);
                try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                    pool.execute(() -> LoadRunner.pace(rate, start, () -> System.nanoTime() < windowTo, intended -> {
                        offered.increment();
                        if (!inFlight.tryAcquire()) {
                            behind.increment(); // the generator fell behind: never sent
                            return;
                        }
                        pool.execute(() -> {
                            try {
                                submit(http, submitUrl, steps, names, user.incrementAndGet(), intended);
                            } finally {
                                inFlight.release();
                            }
                        });
                    }));
                    report(progress, start, windowTo, "offering " + rate + "/s");
                }
                long loadEnd = System.nanoTime();
                long drainLimit = loadEnd + maxDrain.toNanos();
                while (ended.size() < accepted.sum() && System.nanoTime() < drainLimit) {
                    report(progress, start, Math.min(drainLimit, System.nanoTime() + 1_000_000_000L), "draining");
                }
                progress.println();
                boolean drained = ended.size() >= accepted.sum();
                double drainSeconds = drained ? Math.max(0, lastEnd.get() - loadEnd) / 1e9 : maxDrain.toSeconds();
                var h = latency.getIntervalHistogram();
                return new Step(rate, offered.sum(), accepted.sum(), refused.sum(), behind.sum(), succeeded.sum(),
                        failed.sum(),
                        succeededInWindow.sum() / (duration.toNanos() / 1e9), drainSeconds, drained,
                        h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(50) / 1000.0,
                        h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99) / 1000.0, services.requests(),
                        services.shed(), counted.calls());
            }
        }
    }

    private void submit(LoadClient http, String url, List<SagaStep> steps, String[] products, long user,
            long intended) {
        String gid = Gids.newGid();
        try {
            String payload = WireJson.mapper().writeValueAsString(
                    new Purchase(user, products[(int) (user % products.length)], 1));
            submittedAt.put(gid, intended);
            LoadClient.Answer a = http.post(url, WireJson.mapper().writeValueAsBytes(new TransRequest(gid,
                    TransRequest.TRANS_TYPE_SAGA, steps, List.of(payload, payload), false, null, null, null, null,
                    null, null, null)));
            if (a.status() == 200) {
                accepted.increment();
            } else {
                refused.increment();
                submittedAt.remove(gid);
            }
        } catch (Exception e) {
            // no answer within the client's 30 s: counted as refused, and its end (if it was stored) ignored
            refused.increment();
            submittedAt.remove(gid);
        }
    }

    private void report(PrintWriter progress, long start, long until, String what) {
        long last = -1;
        long now;
        while ((now = System.nanoTime()) < until) {
            LockSupport.parkNanos(Math.min(1_000_000_000L, until - now));
            long s = succeeded.sum();
            progress.printf("\r  %s  %6.1f s  %8d accepted  %8d succeeded  %6d refused  %s   ", what,
                    (System.nanoTime() - start) / 1e9, accepted.sum(), s, refused.sum(),
                    last < 0 ? "" : (s - last) + "/s last second");
            progress.flush();
            last = s;
            if (what.equals("draining") && ended.size() >= accepted.sum()) {
                return;
            }
        }
    }
}
