package dev.redsaga.chaos;

import dev.redsaga.example.orderstock.Auditor;
import dev.redsaga.example.orderstock.Backend;
import dev.redsaga.example.orderstock.OrderStockSystem;
import dev.redsaga.server.store.StoreException;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One scenario on one store: start the cluster, run the load while the scenario's faults are injected, stop both,
 * heal every process, wait until every saga is terminal (the quiesce), and audit the real databases and the
 * coordinators' store with the demo's {@link Auditor}.
 */
final class ChaosRun {
    /** A drive that found its saga changed under it logs this; after a pause it is a late write refused. */
    static final String FENCED_LOG_LINE = "is stale); this drive stops";
    /** Settled must hold this long: a submit frozen in a paused coordinator may still land after the heal. */
    private static final long SETTLED_WINDOW_MS = 3_000;

    record Settings(Duration duration, double rate, int concurrency, int stock, Backend backend, boolean barrier,
            Cluster.Timing timing, Duration quiesceTimeout, long seed) {
    }

    /**
     * @param faults     injected: kills, pauses, restarts, resets and black holes
     * @param fenced     writes refused because the saga was changed by another instance (fencing at work)
     * @param quiesceS   seconds from the heal until every saga was terminal (the timeout if some never were)
     */
    record Result(Scenario scenario, Cluster.StoreKind store, int sagas, int acknowledged, int refused, long faults,
            int lost, int violations, int pending, double quiesceS, int succeeded, int failed, int stockSold,
            long fenced, List<String> violationTexts) {

        boolean clean() {
            return lost == 0 && violations == 0 && pending == 0 && refused == 0;
        }
    }

    private ChaosRun() {
    }

    static Result run(Scenario scenario, Cluster.StoreKind storeKind, Settings s, Path dir) throws Exception {
        Files.createDirectories(dir);
        SplittableRandom random = new SplittableRandom(s.seed());
        try (Cluster cluster = Cluster.start(storeKind, s.backend(), dir, s.stock(), s.barrier(), s.timing(),
                s.seed())) {
            AtomicLong faults = new AtomicLong();
            Load load = new Load(cluster, s.concurrency(), s.rate());
            long end = System.nanoTime() + s.duration().toNanos();
            if (scenario.networkFaults()) {
                cluster.proxies().forEach(p -> p.faults(Scenario.NETWORK_FAULTS));
            }
            List<Thread> injectors = new ArrayList<>();
            List<Exception> injectorErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
            load.start();
            for (Scenario.Fault f : scenario.faults(cluster, s.timing().leaseMs())) {
                SplittableRandom r = random.split();
                injectors.add(Thread.ofPlatform().name("chaos-" + scenario.wire()).start(() -> {
                    try {
                        while (System.nanoTime() + f.pauseMs() * 1_000_000 < end) {
                            Thread.sleep(f.pauseMs());
                            f.action().inject(r);
                            faults.incrementAndGet();
                        }
                    } catch (Exception e) {
                        injectorErrors.add(e);
                    }
                }));
            }
            sleepUntil(end);
            for (Thread t : injectors) {
                t.join();
            }
            load.close();
            cluster.heal();
            if (!injectorErrors.isEmpty()) {
                throw new IllegalStateException("injecting " + scenario.wire() + " failed: "
                        + injectorErrors.getFirst().getMessage(), injectorErrors.getFirst());
            }
            faults.addAndGet(cluster.proxies().stream().mapToLong(FaultProxy::injected).sum());
            long healed = System.nanoTime();
            List<Auditor.Submitted> sagas = load.sagas();
            long settledAt = quiesce(cluster.store(), sagas, healed + s.quiesceTimeout().toNanos());
            double quiesceS = ((settledAt < 0 ? System.nanoTime() : settledAt) - healed) / 1e9;
            Auditor.Report r = Auditor.audit(cluster.store(), sagas, cluster.ordersDatabase(), cluster.stockDatabase(),
                    OrderStockSystem.PRODUCT, s.stock());
            long fenced = 0;
            for (Node n : cluster.coordinators()) {
                fenced += n.countLogLines(FENCED_LOG_LINE);
            }
            return new Result(scenario, storeKind, sagas.size(), load.acknowledged(), load.refused(), faults.get(),
                    r.lost(), r.violations().size() - r.lost(), r.pending(), Math.round(quiesceS * 10) / 10.0,
                    r.succeeded(), r.failed(), r.stockSold(), fenced, r.violations());
        }
    }

    /**
     * Waits until every saga is settled — terminal in the store, or never acknowledged and not stored — and has
     * stayed so for {@link #SETTLED_WINDOW_MS}. Returns when that began, or -1 at the deadline.
     */
    private static long quiesce(TransactionStore store, List<Auditor.Submitted> sagas, long deadline)
            throws InterruptedException {
        long settledSince = -1;
        while (System.nanoTime() < deadline) {
            if (allSettled(store, sagas)) {
                if (settledSince < 0) {
                    settledSince = System.nanoTime();
                } else if (System.nanoTime() - settledSince >= SETTLED_WINDOW_MS * 1_000_000) {
                    return settledSince;
                }
            } else {
                settledSince = -1;
            }
            Thread.sleep(250);
        }
        return -1;
    }

    private static boolean allSettled(TransactionStore store, List<Auditor.Submitted> sagas) {
        for (Auditor.Submitted saga : sagas) {
            Optional<TransactionRecord> r;
            try {
                r = store.find(saga.gid());
            } catch (StoreException e) {
                return false;
            }
            if (r.isPresent() ? !r.get().status().isTerminal() : saga.acknowledged()) {
                return false;
            }
        }
        return true;
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait;
        while ((wait = nanoTime - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, wait / 1_000_000));
        }
    }
}
