package dev.redsaga.chaos;

import dev.redsaga.client.OutcomeUnknownException;
import dev.redsaga.client.RedsagaClient;
import dev.redsaga.client.RedsagaException;
import dev.redsaga.example.orderstock.Auditor;
import dev.redsaga.example.orderstock.OrderStockSystem;
import dev.redsaga.example.orderstock.Purchase;
import dev.redsaga.protocol.Gids;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Purchase sagas (create order → deduct stock) submitted at a steady rate to the coordinators in turn, as a careful
 * client does it: a submit whose outcome is unknown, or that a coordinator could not take (down, 5xx), is sent
 * again with the same gid to the next coordinator — never under a new gid. Every gid tried is kept for the audit,
 * with whether a coordinator acknowledged it.
 */
final class Load implements AutoCloseable {
    private static final int ATTEMPTS = Cluster.COORDINATORS;

    private final List<RedsagaClient> clients;
    private final Cluster cluster;
    private final int concurrency;
    private final long intervalNanos;
    private final List<Auditor.Submitted> sagas = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong users = new AtomicLong();
    private final AtomicInteger acknowledged = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean stopping;

    /** @param rate sagas submitted per second, all workers together */
    Load(Cluster cluster, int concurrency, double rate) {
        this.cluster = cluster;
        this.concurrency = concurrency;
        this.intervalNanos = (long) (concurrency * 1e9 / rate);
        this.clients = cluster.coordinatorUrls().stream()
                .map(url -> RedsagaClient.builder(url).timeout(Duration.ofSeconds(5))
                        .connectTimeout(Duration.ofSeconds(1)).build())
                .toList();
    }

    void start() {
        for (int w = 0; w < concurrency; w++) {
            int worker = w;
            workers.execute(() -> run(worker));
        }
    }

    private void run(int worker) {
        long next = System.nanoTime() + worker * intervalNanos / concurrency;
        int turn = worker;
        while (!stopping) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
            }
            // no catching up after a slow submit: the offered rate stays at most the rate asked for
            next = Math.max(next + intervalNanos, System.nanoTime());
            if (stopping) {
                return;
            }
            submitOne(turn++);
        }
    }

    private void submitOne(int turn) {
        String gid = Gids.newGid();
        Purchase p = new Purchase(users.incrementAndGet(), OrderStockSystem.PRODUCT, 1);
        boolean ok = false;
        try {
            for (int attempt = 0; attempt < ATTEMPTS && !ok; attempt++) {
                RedsagaClient client = clients.get((turn + attempt) % clients.size());
                try {
                    client.saga(gid)
                            .step(cluster.orderUrl("/order/create"), cluster.orderUrl("/order/cancel"), p)
                            .step(cluster.stockUrl("/stock/deduct"), cluster.stockUrl("/stock/restore"), p)
                            .submit();
                    ok = true;
                } catch (OutcomeUnknownException e) {
                    // maybe stored: the same gid to the next coordinator
                } catch (RedsagaException e) {
                    if (e.httpStatus() != 0 && e.httpStatus() < 500) {
                        refused.incrementAndGet(); // a 4xx is an answer: sending it again would not change it
                        break;
                    }
                }
            }
        } finally {
            if (ok) {
                acknowledged.incrementAndGet();
            }
            // an unacknowledged submit may still have been stored: it is audited all the same
            sagas.add(new Auditor.Submitted(gid, p.qty(), ok));
        }
    }

    /** Stops submitting and waits for the submits in flight to end. */
    @Override
    public void close() throws InterruptedException {
        stopping = true;
        workers.shutdown();
        if (!workers.awaitTermination(60, TimeUnit.SECONDS)) {
            workers.shutdownNow();
        }
    }

    List<Auditor.Submitted> sagas() {
        synchronized (sagas) {
            return List.copyOf(sagas);
        }
    }

    int acknowledged() {
        return acknowledged.get();
    }

    /** Submits answered with a 4xx: none is expected; each is reported. */
    int refused() {
        return refused.get();
    }
}
