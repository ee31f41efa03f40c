package dev.redsaga.server;

import dev.redsaga.server.alert.WebhookAlerts;
import dev.redsaga.server.config.BranchUrlPolicy;
import dev.redsaga.server.config.Observability;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.config.StoreFactory;
import dev.redsaga.server.engine.BranchTransport;
import dev.redsaga.server.engine.DriveListener;
import dev.redsaga.server.engine.EngineScheduler;
import dev.redsaga.server.engine.SagaEngine;
import dev.redsaga.server.http.HttpApi;
import dev.redsaga.server.http.HttpBranchTransport;
import dev.redsaga.server.http.HttpEndpoint;
import dev.redsaga.server.metrics.CoordinatorMetrics;
import dev.redsaga.server.service.TransactionService;
import dev.redsaga.server.store.TransactionStore;
import dev.redsaga.server.tracing.OtlpTracing;
import dev.redsaga.server.tracing.Tracing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One coordinator instance: store, engine, HTTP API. Wires the parts; owns and closes everything it creates. */
public final class RedsagaServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedsagaServer.class);
    private static final String VERSION = readVersion();

    private final ServerConfig config;
    private final TransactionStore store;
    private final boolean ownsStore;
    private final ExecutorService workers;
    private final ScheduledExecutorService scheduler;
    private final SagaEngine engine;
    private final HttpEndpoint http;
    private final HttpBranchTransport transport;
    private final CoordinatorMetrics metrics;
    private final Tracing tracing;

    private RedsagaServer(ServerConfig config, TransactionStore store, boolean ownsStore, DriveListener listener) {
        this.config = config;
        this.ownsStore = ownsStore;
        this.metrics = new CoordinatorMetrics();
        // everyone uses the measured store: the engine, the API's queries, the backlog gauges
        this.store = metrics.meter(store);
        this.workers = Executors.newVirtualThreadPerTaskExecutor();
        this.scheduler = Executors.newScheduledThreadPool(1, Thread.ofPlatform().name("redsaga-timer").daemon().factory());
        BranchUrlPolicy branches = config.branches().withOwnPort(this::boundPort);
        Observability o = config.observability();
        this.tracing = o.otlpEndpoint() == null ? Tracing.propagating()
                : new OtlpTracing(o.otlpEndpoint(), config.instanceId());
        this.transport = new HttpBranchTransport(config.branchFlow(), branches, tracing);
        BranchTransport calls = o.alertWebhook() == null ? transport
                : new WebhookAlerts(transport, o.alertWebhook(), o.alertAfter());
        this.engine = new SagaEngine(this.store, metrics.meter(calls), config.engine(), InstantSource.system(),
                RandomGenerator.getDefault(), EngineScheduler.of(scheduler, workers), config.instanceId(), listener);
        metrics.bindEngine(engine);
        metrics.bindBacklog(this.store, InstantSource.system(), workers);
        TransactionService service = new TransactionService(this.store, engine, branches, config.maxRequestBytes());
        engine.start();
        try {
            this.http = HttpEndpoint.start(config.host(), config.port(), "redsaga-http",
                    new HttpApi(service, config.maxRequestBytes(), config.access(), VERSION, metrics, tracing),
                    config.maxConnections());
        } catch (IOException e) {
            engine.stop(Duration.ZERO);
            shutdownExecutors();
            metrics.close();
            tracing.close();
            throw new UncheckedIOException("cannot listen on " + config.host() + ":" + config.port() + ": "
                    + e.getMessage() + " (is another server using the port? pick one with --port)", e);
        }
    }

    /** Opens the configured store and starts serving. */
    public static RedsagaServer start(ServerConfig config) {
        TransactionStore store = StoreFactory.open(config.store(), config.storePoolSize(), config.retention());
        try {
            return start(config, store, true, new DriveListener() { });
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** Starts serving on a store the caller owns (and closes); {@code listener} hears every drive end. */
    public static RedsagaServer start(ServerConfig config, TransactionStore store, boolean ownsStore,
            DriveListener listener) {
        RedsagaServer s = new RedsagaServer(config, store, ownsStore, listener);
        log.info("redsaga {} listening on http://{}:{} (store {})", config.instanceId(), config.host(), s.port(),
                store.describe());
        return s;
    }

    public int port() {
        return http.port();
    }

    /** The port once listening; -1 before (the branch URL policy asks, to refuse the coordinator's own). */
    private int boundPort() {
        HttpEndpoint h = http;
        return h == null ? config.port() : h.port();
    }

    /** This build's version (the Maven project's), as {@code GET /api/dtmsvr/version} reports it. */
    public static String version() {
        return VERSION;
    }

    private static String readVersion() {
        java.util.Properties p = new java.util.Properties();
        try (var in = RedsagaServer.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // a jar without it was not built by Maven
        }
        return p.getProperty("version", "unknown");
    }

    public String baseUrl() {
        return "http://" + config.host() + ":" + port();
    }

    public SagaEngine engine() {
        return engine;
    }

    public TransactionStore store() {
        return store;
    }

    /**
     * Graceful stop: refuse new requests, let drives finish their current calls and hand their transactions
     * back to the store (due now, for the next instance), then close.
     */
    @Override
    public void close() {
        http.close();
        engine.stop(Duration.ofMillis(Math.max(10_000, config.engine().defaultRequestTimeoutMs() * 2)));
        shutdownExecutors();
        metrics.close();
        tracing.close(); // exports the spans left
        if (ownsStore) {
            store.close();
        }
        log.info("redsaga {} stopped", config.instanceId());
    }

    private void shutdownExecutors() {
        transport.close();
        scheduler.shutdownNow();
        workers.shutdownNow();
    }
}
