package dev.redsaga.server.metrics;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.engine.BranchTransport;
import dev.redsaga.server.engine.SagaEngine;
import dev.redsaga.server.store.TransactionStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.InstantSource;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The figures of one coordinator instance, in Prometheus's text format ({@link #scrape}), named by Micrometer's
 * conventions ({@code redsaga.branch.calls} is scraped as {@code redsaga_branch_calls_seconds_count}, ...). What is
 * measured where: transactions started and ended, and store calls, by a decorated store; branch calls and retries
 * by a decorated transport; drives and open sagas read from the engine; the due backlog and the age of the oldest
 * unfinished transactions read from the store when scraped; the JVM's own.
 *
 * <p>Tags are low-cardinality only (type, op, status, outcome, call, route): never a gid or a URL.
 */
public final class CoordinatorMetrics implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorMetrics.class);
    /** A scrape waits this long for the store's backlog, then reports it unknown (NaN) rather than stall. */
    private static final long BACKLOG_WAIT_MS = 2_000;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Map<List<String>, Counter> requests = new ConcurrentHashMap<>();
    private volatile double due = Double.NaN;
    private final Map<TransStatus, Double> oldestAgeSeconds = new EnumMap<>(TransStatus.class);
    private volatile Supplier<CompletableFuture<TransactionStore.Backlog>> backlogSource;
    private volatile InstantSource clock;
    private CompletableFuture<TransactionStore.Backlog> backlogInFlight;

    public CoordinatorMetrics() {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** {@code store}, its calls measured; the engine and the backlog gauges use the returned store. */
    public TransactionStore meter(TransactionStore store) {
        return new MeteredTransactionStore(store, registry);
    }

    /** {@code transport}, its calls measured. */
    public BranchTransport meter(BranchTransport transport) {
        return new MeteredBranchTransport(transport, registry);
    }

    /** Gauges of the engine's drives and of its door (sagas accepted and not yet ended). */
    public void bindEngine(SagaEngine engine) {
        Gauge.builder("redsaga.drives.active", engine, SagaEngine::drivesRunning)
                .description("transactions being driven by this instance right now")
                .register(registry);
        Gauge.builder("redsaga.drives.limit", engine, e -> e.options().maxConcurrentDrives())
                .description("transactions this instance drives at once at most (--max-drives)")
                .register(registry);
        Gauge.builder("redsaga.sagas.open", engine, SagaEngine::openSagas)
                .description("transactions submitted here and not yet ended (at --max-drives, submits wait, then "
                        + "are refused with 503)")
                .register(registry);
    }

    /**
     * Gauges of what waits in the store: unfinished transactions past their due time, and the age of the oldest
     * unfinished transaction of each status. Read from the store when scraped (every instance on one store reports
     * the same figures: aggregate them with max, not sum). A store slower than {@value #BACKLOG_WAIT_MS} ms leaves
     * them NaN for that scrape; its calls are counted as errors by the store's own metrics.
     *
     * @param store    the store, measured ({@link #meter(TransactionStore)})
     * @param clock    the engine's clock
     * @param executor where the store is read (not the scraping thread, so a stalled store cannot stall it)
     */
    public void bindBacklog(TransactionStore store, InstantSource clock, Executor executor) {
        this.backlogSource = () -> CompletableFuture.supplyAsync(() -> store.backlog(clock.millis()), executor);
        this.clock = clock;
        Gauge.builder("redsaga.transactions.due", this, m -> m.due)
                .description("unfinished transactions past their retry time or their holder's lease, waiting for "
                        + "recovery (NaN: the store did not answer)")
                .register(registry);
        for (TransStatus status : TransStatus.values()) {
            if (!status.isTerminal()) {
                TimeGauge.builder("redsaga.transactions.oldest.age", this, TimeUnit.SECONDS,
                                m -> m.oldestAge(status))
                        .description("how long ago the oldest unfinished transaction of this status was created "
                                + "(0: none; NaN: the store did not answer)")
                        .tag("status", status.wire())
                        .register(registry);
            }
        }
    }

    private double oldestAge(TransStatus status) {
        synchronized (oldestAgeSeconds) {
            return oldestAgeSeconds.getOrDefault(status, Double.NaN);
        }
    }

    /** Counts an answered API request by route (a fixed set of names) and HTTP status. */
    public void requestAnswered(String route, int status) {
        requests.computeIfAbsent(List.of(route, Integer.toString(status)), k -> Counter.builder("redsaga.http.requests")
                .description("API requests answered, by route and HTTP status (503: refused, nothing stored; "
                        + "504: the store's answer did not come)")
                .tag("route", route)
                .tag("status", Integer.toString(status))
                .register(registry)).increment();
    }

    /** The figures now, in Prometheus's text format (version 0.0.4). */
    public String scrape() {
        refreshBacklog();
        return registry.scrape();
    }

    /** Reads the backlog for this scrape, waiting a bounded time; one read in flight at most. */
    private void refreshBacklog() {
        Supplier<CompletableFuture<TransactionStore.Backlog>> source = backlogSource;
        if (source == null) {
            return;
        }
        CompletableFuture<TransactionStore.Backlog> read;
        synchronized (this) {
            if (backlogInFlight == null || backlogInFlight.isDone()) {
                backlogInFlight = source.get();
            }
            read = backlogInFlight;
        }
        TransactionStore.Backlog b = null;
        try {
            b = read.get(BACKLOG_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("the store did not tell its backlog within {} ms; the backlog gauges read NaN", BACKLOG_WAIT_MS);
        } catch (ExecutionException e) {
            log.warn("the store could not tell its backlog; the backlog gauges read NaN: {}",
                    e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long now = clock.millis();
        synchronized (oldestAgeSeconds) {
            due = b == null ? Double.NaN : b.due();
            for (TransStatus status : TransStatus.values()) {
                if (!status.isTerminal()) {
                    Long created = b == null ? null : b.oldestCreatedAt().get(status);
                    oldestAgeSeconds.put(status, b == null ? Double.NaN
                            : created == null ? 0.0 : Math.max(0, now - created) / 1000.0);
                }
            }
        }
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
