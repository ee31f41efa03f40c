package dev.redsaga.testkit;

import dev.redsaga.client.RedsagaClient;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.DriveListener;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.store.TransactionRecord;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real redsaga coordinator in the test's own process, for the tests of services that take part in sagas: it
 * listens on 127.0.0.1 (a free port), keeps its transactions in memory, and calls the services' branch URLs as in
 * production. Started before the test class's first test, stopped after its last.
 *
 * <pre>{@code
 * @RegisterExtension
 * static RedsagaExtension redsaga = RedsagaExtension.inMemory();
 *
 * @Test
 * void purchaseRunsEverywhere() {
 *     String gid = redsaga.client().newGid();
 *     redsaga.client().saga(gid).step(orderUrl + "/create", orderUrl + "/cancel", "{}").waitResult().submit();
 *     assertThat(redsaga.awaitEnd(gid, Duration.ofSeconds(10))).isEqualTo(TransStatus.SUCCEEDED);
 * }
 * }</pre>
 *
 * <p>Retries are quick (100 ms backoff base, 1 s cap) so a test of a failing saga does not wait long; the logic is
 * the production one.
 */
public final class RedsagaExtension implements BeforeAllCallback, AfterAllCallback {
    private static final EngineOptions TEST_ENGINE = EngineOptions.builder().defaultRequestTimeoutMs(2_000)
            .defaultRetryIntervalMs(100).retryCapMs(1_000).leaseMs(5_000).claimBatch(100).pollIntervalMs(100)
            .maxConcurrentDrives(256).build();

    private final EngineOptions engine;
    private MemoryTransactionStore store;
    private RedsagaServer server;
    private RedsagaClient client;

    private RedsagaExtension(EngineOptions engine) {
        this.engine = engine;
    }

    /** A coordinator on an in-memory store with quick retries. */
    public static RedsagaExtension inMemory() {
        return new RedsagaExtension(TEST_ENGINE);
    }

    /** A coordinator on an in-memory store with these engine options. */
    public static RedsagaExtension inMemory(EngineOptions engine) {
        if (engine == null) {
            throw new IllegalArgumentException("engine options are required");
        }
        return new RedsagaExtension(engine);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        store = new MemoryTransactionStore();
        server = RedsagaServer.start(ServerConfig.builder().port(0).store("memory").engine(engine)
                .instanceId("test-" + UUID.randomUUID()).build(), store, false,
                new DriveListener() { });
        client = RedsagaClient.builder(server.baseUrl()).build();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** The coordinator's base URL, e.g. {@code http://127.0.0.1:41234}, for clients of your own. */
    public String baseUrl() {
        return running().baseUrl();
    }

    /** A client of the coordinator. */
    public RedsagaClient client() {
        running();
        return client;
    }

    /** The coordinator's store, to look at a transaction as stored. */
    public MemoryTransactionStore store() {
        running();
        return store;
    }

    /**
     * Waits until the transaction ends (polling the store every 20 ms) and returns its final status.
     *
     * @throws AssertionError if it is unknown or still running after {@code timeout}
     */
    public TransStatus awaitEnd(String gid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        TransactionRecord last = null;
        while (System.nanoTime() < deadline) {
            last = store().find(gid).orElse(null);
            if (last != null && last.status().isTerminal()) {
                return last.status();
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + gid, e);
            }
        }
        throw new AssertionError(last == null ? "no transaction " + gid + " was submitted"
                : "transaction " + gid + " is still " + last.status().wire() + " after " + timeout
                        + (last.reason() == null ? "" : " (" + last.reason() + ")"));
    }

    private RedsagaServer running() {
        if (server == null) {
            throw new IllegalStateException("the coordinator runs only during the test class: register the "
                    + "extension on a static field with @RegisterExtension");
        }
        return server;
    }
}
