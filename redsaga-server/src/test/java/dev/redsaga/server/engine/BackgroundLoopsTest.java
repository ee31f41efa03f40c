package dev.redsaga.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.protocol.Outcome;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import dev.redsaga.server.store.jdbc.JdbcTransactionStore;
import dev.redsaga.server.testing.FaultyStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * The engine's background loops (recovery, retention) go on whatever a pass throws, and a loop that stops all the
 * same shows: an instance whose recovery loop died after an OutOfMemoryError stayed up and ready for minutes while
 * transactions left by a killed peer waited for it.
 */
class BackgroundLoopsTest {
    private static final EngineOptions OPTIONS = EngineOptions.builder().defaultRequestTimeoutMs(1_000)
            .defaultRetryIntervalMs(100).retryCapMs(1_000).leaseMs(2_000).claimBatch(10).pollIntervalMs(20)
            .maxConcurrentDrives(4).build();
    private static final BranchTransport SUCCESS =
            req -> CompletableFuture.completedFuture(new BranchTransport.Result(Outcome.SUCCESS, null));

    @Test
    void aRecoveryPassThatThrowsAnErrorDoesNotStopTheLoop() throws Exception {
        AtomicInteger claims = new AtomicInteger();
        CountDownLatch afterTheError = new CountDownLatch(3);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (JdbcTransactionStore h2 = JdbcTransactionStore.open("jdbc:h2:mem:loops-" + UUID.randomUUID()
                + ";DB_CLOSE_DELAY=-1", null, null, "t_loops", 4)) {
            TransactionStore store = new FaultyStore(h2) {
                @Override
                public List<TransactionRecord> claimDue(long now, String owner, long leaseUntil, int limit) {
                    if (claims.incrementAndGet() == 1) {
                        throw new OutOfMemoryError("injected: Java heap space");
                    }
                    afterTheError.countDown();
                    return super.claimDue(now, owner, leaseUntil, limit);
                }
            };
            SagaEngine engine = new SagaEngine(store, SUCCESS, OPTIONS, InstantSource.system(),
                    RandomGenerator.of("L64X128MixRandom"), EngineScheduler.of(timer, Runnable::run), "me",
                    new DriveListener() { });
            engine.start();
            try {
                assertThat(afterTheError.await(5, TimeUnit.SECONDS)).as("recovery passes after the Error").isTrue();
                assertThat(engine.backgroundLoopsRunning()).isTrue();
            } finally {
                engine.stop(Duration.ofSeconds(2));
            }
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void aLoopWhosePassesStopComingReadsAsStopped() {
        AtomicLong now = new AtomicLong(1_000_000);
        InstantSource clock = () -> Instant.ofEpochMilli(now.get());
        EngineScheduler neverRuns = new EngineScheduler() { // a scheduler that lost its threads: nothing runs
            @Override
            public void execute(Runnable task) {
            }

            @Override
            public Timer schedule(long delayMs, Runnable task) {
                return () -> { };
            }
        };
        try (JdbcTransactionStore h2 = JdbcTransactionStore.open("jdbc:h2:mem:loops-" + UUID.randomUUID()
                + ";DB_CLOSE_DELAY=-1", null, null, "t_loops", 4)) {
            SagaEngine engine = new SagaEngine(h2, SUCCESS, OPTIONS, clock, RandomGenerator.of("L64X128MixRandom"),
                    neverRuns, "me", new DriveListener() { });
            assertThat(engine.backgroundLoopsRunning()).as("before the start").isFalse();
            engine.start();
            assertThat(engine.backgroundLoopsRunning()).isTrue();
            now.addAndGet(Duration.ofMinutes(2).toMillis());
            assertThat(engine.backgroundLoopsRunning()).as("no pass for two minutes at a 20 ms interval").isFalse();
        }
    }
}
