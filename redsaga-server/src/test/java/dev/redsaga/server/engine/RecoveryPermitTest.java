package dev.redsaga.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.SagaStep;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.config.BranchUrlPolicy;
import dev.redsaga.server.service.TransactionService;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import dev.redsaga.server.store.jdbc.JdbcTransactionStore;
import dev.redsaga.server.testing.FaultyStore;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * Recovery never waits for a drive permit: when the permits it counted are taken by a submit while it claims, the
 * claimed transactions wait for their lease to expire instead of the timer task waiting for a permit (which
 * stalled every retry wake-up and timer of the instance, and would deadlock the simulator's one thread). The engine
 * runs here on one thread, so a wait would show as the probe never running.
 */
class RecoveryPermitTest {

    @Test
    void recoveryDoesNotWaitForAPermitOnTheSchedulerThread() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Semaphore entered = new Semaphore(0);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
        BranchTransport blocking = req -> CompletableFuture.supplyAsync(() -> {
            entered.release();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new BranchTransport.Result(Outcome.SUCCESS, null);
        }, workers);
        EngineOptions options = EngineOptions.builder().defaultRequestTimeoutMs(60_000).leaseMs(120_000)
                .claimBatch(10).pollIntervalMs(20).maxConcurrentDrives(1).build();
        CountDownLatch claimed = new CountDownLatch(1);
        TransactionService[] service = new TransactionService[1];
        try (JdbcTransactionStore h2 = JdbcTransactionStore.open("jdbc:h2:mem:permits;DB_CLOSE_DELAY=-1", null, null,
                "t_permits", 4)) {
            TransactionStore store = new FaultyStore(h2) {
                boolean first = true;

                @Override
                public List<TransactionRecord> claimDue(long now, String owner, long leaseUntil, int limit) {
                    if (first) {
                        first = false;
                        // a submit takes the one permit between recovery counting it and using it
                        workers.execute(() -> service[0].submit(saga("competitor", true)));
                        try {
                            entered.tryAcquire(2, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    List<TransactionRecord> out = super.claimDue(now, owner, leaseUntil, limit);
                    claimed.countDown();
                    return out;
                }
            };
            SagaEngine engine = new SagaEngine(store, blocking, options, InstantSource.system(),
                    // every engine task on the one scheduler thread, as in the simulator: a task that waits for a
                    // permit there holds up everything else, the probe below included
                    RandomGenerator.of("L64X128MixRandom"), EngineScheduler.of(scheduler, scheduler), "me",
                    new DriveListener() { });
            service[0] = new TransactionService(store, engine, BranchUrlPolicy.defaults());
            TransRequest orphan = saga("orphan", false);
            h2.insertIfAbsent(new TransactionRecord("orphan", "saga", TransStatus.SUBMITTED,
                    DefinitionCodec.encode(SagaDefinition.parse(orphan, options)),
                    ProgressCodec.encode(SagaProgress.initial(1)), 1, "dead",
                    0L, 0, 0, null, null));
            try {
                engine.start();
                assertThat(claimed.await(10, TimeUnit.SECONDS)).as("recovery claimed").isTrue();
                CountDownLatch probe = new CountDownLatch(1);
                scheduler.execute(probe::countDown);
                assertThat(probe.await(5, TimeUnit.SECONDS))
                        .as("the scheduler thread is free for timers and wake-ups").isTrue();
            } finally {
                release.countDown();
                engine.stop(Duration.ofSeconds(5));
            }
        } finally {
            scheduler.shutdownNow();
            workers.shutdownNow();
        }
    }

    private static TransRequest saga(String gid, boolean wait) {
        return new TransRequest(gid, "saga", List.of(new SagaStep("http://127.0.0.1:1/a", "http://127.0.0.1:1/c")),
                List.of("{}"), wait, null, null, null, null, null, null, null);
    }
}
