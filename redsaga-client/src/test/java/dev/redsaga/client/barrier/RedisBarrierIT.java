package dev.redsaga.client.barrier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redsaga.client.testing.TestServices;
import dev.redsaga.protocol.Outcome;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Redis barrier on a stock counter, for every interleaving, against the real Redis. */
class RedisBarrierIT {
    static RedisClient client;
    static StatefulRedisConnection<String, String> connection;
    String prefix;
    String stock;
    RedisBarrier barrier;

    @BeforeAll
    static void connect() {
        TestServices.requireRedis();
        client = RedisClient.create(TestServices.REDIS_URI);
        connection = client.connect();
    }

    @AfterAll
    static void disconnect() {
        if (connection != null) {
            connection.close();
            client.shutdown();
        }
    }

    @BeforeEach
    void setUp() {
        prefix = "rs-test-barrier-" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);
        stock = prefix + ":stock:{sku}";
        connection.sync().set(stock, "10");
        barrier = RedisBarrier.of(connection);
    }

    @AfterEach
    void cleanUp() {
        List<String> keys = connection.sync().keys(prefix + "*");
        if (!keys.isEmpty()) {
            connection.sync().del(keys.toArray(String[]::new));
        }
    }

    BranchBarrier branch(String gid, String op) {
        return BranchBarrier.of("saga", gid, "02", op);
    }

    Outcome deduct(String gid, long n) {
        return barrier.decrementIfEnough(branch(gid, "action"), stock, n);
    }

    Outcome restore(String gid, long n) {
        return barrier.increment(branch(gid, "compensate"), stock, n);
    }

    long available() {
        return Long.parseLong(connection.sync().get(stock));
    }

    @Test
    void aRequestPastItsDeadlineIsRefusedBeforeTheScriptRuns() {
        BranchBarrier late = new BranchBarrier("saga", "g-late", "02", dev.redsaga.protocol.BranchOp.ACTION,
                System.currentTimeMillis() - 1);
        assertThatThrownBy(() -> barrier.decrementIfEnough(late, stock, 3))
                .isInstanceOf(DeadlineExceededException.class);
        assertThat(available()).isEqualTo(10);
        assertThat(connection.sync().exists(RedisBarrier.barrierKey(stock, "g-late"))).isZero();
    }

    @Test
    void actionThenCompensationRestoresTheCounter() {
        assertThat(deduct("g1", 3)).isEqualTo(Outcome.SUCCESS);
        assertThat(available()).isEqualTo(7);
        assertThat(restore("g1", 3)).isEqualTo(Outcome.SUCCESS);
        assertThat(available()).isEqualTo(10);
    }

    @Test
    void compensationFirstIsEmptyAndTheLateActionIsRefused() {
        assertThat(restore("g2", 3)).isEqualTo(Outcome.SUCCESS);
        assertThat(available()).as("empty compensation").isEqualTo(10);
        assertThat(deduct("g2", 3)).isEqualTo(Outcome.SUCCESS);
        assertThat(available()).as("hanging action refused").isEqualTo(10);
    }

    @Test
    void gidsDifferingOnlyInCaseHaveTheirOwnBarrier() {
        deduct("Order-1", 1);
        deduct("order-1", 1);
        assertThat(available()).as("order-1 is not a duplicate of Order-1").isEqualTo(8);
        restore("ORDER-1", 1);
        assertThat(available()).as("ORDER-1 never ran: empty compensation").isEqualTo(8);
    }

    @Test
    void duplicatesRunOnce() {
        deduct("g3", 2);
        deduct("g3", 2);
        assertThat(available()).isEqualTo(8);
        restore("g3", 2);
        restore("g3", 2);
        assertThat(available()).isEqualTo(10);
    }

    @Test
    void shortStockIsAFailureThatLeavesNoBarrierKeySoARetryCanRun() {
        assertThat(deduct("g4", 11)).isEqualTo(Outcome.FAILURE);
        assertThat(available()).isEqualTo(10);
        assertThat(connection.sync().exists(RedisBarrier.barrierKey(stock, "g4")))
                .isZero();
        connection.sync().set(stock, "20");
        assertThat(deduct("g4", 11)).isEqualTo(Outcome.SUCCESS);
        assertThat(available()).isEqualTo(9);
    }

    @Test
    void compensationAfterAFailedActionIsEmpty() {
        deduct("g5", 11);
        assertThat(restore("g5", 11)).isEqualTo(Outcome.SUCCESS);
        assertThat(available()).isEqualTo(10);
    }

    /**
     * Barrier records outlive every saga that can still send the branch a request: the coordinator retries a
     * compensation for as long as it takes, so a key that expired on its own would turn a late compensation into an
     * "empty" one and the stock would never come back.
     */
    @Test
    void barrierKeysShareTheCounterSlotAndNeverExpireOnTheirOwn() {
        deduct("g6", 1);
        String key = RedisBarrier.barrierKey(stock, "g6");
        assertThat(SlotHash.getSlot(key)).isEqualTo(SlotHash.getSlot(stock));
        String untagged = prefix + ":plain";
        assertThat(SlotHash.getSlot(RedisBarrier.barrierKey(untagged, "g6")))
                .isEqualTo(SlotHash.getSlot(untagged));
        assertThat(connection.sync().ttl(key)).as("no expiry").isEqualTo(-1L);
    }

    /** The retention's view: gids by the age of their first record (Redis's clock), deleted by gid. */
    @Test
    void recordsAreListedByAgeAndDeletedByGid() {
        deduct("old-1", 1);
        restore("old-1", 1);
        restore("old-2", 1);
        BarrierRecords records = barrier.records(stock);
        assertThat(records.gidsOlderThan(Duration.ZERO, 10)).containsExactlyInAnyOrder("old-1", "old-2");
        assertThat(records.gidsOlderThan(Duration.ZERO, 1)).hasSize(1);
        assertThat(records.gidsOlderThan(Duration.ofHours(1), 10)).as("none is an hour old").isEmpty();

        records.delete(List.of("old-1"));
        assertThat(connection.sync().exists(RedisBarrier.barrierKey(stock, "old-1"))).isZero();
        assertThat(connection.sync().hlen(RedisBarrier.barrierKey(stock, "old-2"))).isEqualTo(2);
        assertThat(records.gidsOlderThan(Duration.ZERO, 10)).containsExactly("old-2");
    }

    @Test
    void actionAndCompensationRacingLeaveTheCounterWhole() throws Exception {
        connection.sync().set(stock, "1000");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 300; i++) {
                String gid = "race-" + i;
                CyclicBarrier start = new CyclicBarrier(2);
                CompletableFuture<Outcome> a = CompletableFuture.supplyAsync(() -> {
                    await(start);
                    return deduct(gid, 1);
                }, pool);
                CompletableFuture<Outcome> c = CompletableFuture.supplyAsync(() -> {
                    await(start);
                    return restore(gid, 1);
                }, pool);
                assertThat(a.get()).isEqualTo(Outcome.SUCCESS);
                assertThat(c.get()).isEqualTo(Outcome.SUCCESS);
            }
        } finally {
            pool.shutdownNow();
        }
        // each round: both ran (net 0) or neither ran (net 0); a lone compensation would add 1
        assertThat(available()).isEqualTo(1000);
    }

    private static void await(CyclicBarrier b) {
        try {
            b.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * TCC on a counter: the try reserves (available down), the confirm books it (sold up), the cancel gives it back;
     * each runs once, a cancel before its try is empty and the late try is refused (its origin is the try).
     */
    @Test
    void tccTryConfirmAndCancelRunOnceAndAnEarlyCancelBlocksTheLateTry() {
        String sold = prefix + ":sold:{sku}";
        BranchBarrier tryOp = BranchBarrier.of("tcc", "t1", "01", "try");
        assertThat(barrier.decrementIfEnough(tryOp, stock, 3)).isEqualTo(Outcome.SUCCESS);
        assertThat(barrier.decrementIfEnough(tryOp, stock, 3)).as("a duplicate try").isEqualTo(Outcome.SUCCESS);
        BranchBarrier confirm = BranchBarrier.of("tcc", "t1", "01", "confirm");
        assertThat(barrier.increment(confirm, sold, 3)).isEqualTo(Outcome.SUCCESS);
        assertThat(barrier.increment(confirm, sold, 3)).as("a duplicate confirm").isEqualTo(Outcome.SUCCESS);
        assertThat(available()).isEqualTo(7);
        assertThat(connection.sync().get(sold)).isEqualTo("3");

        assertThat(barrier.increment(BranchBarrier.of("tcc", "t2", "01", "cancel"), stock, 4))
                .isEqualTo(Outcome.SUCCESS);
        assertThat(available()).as("an empty cancel: its try never ran").isEqualTo(7);
        assertThat(barrier.decrementIfEnough(BranchBarrier.of("tcc", "t2", "01", "try"), stock, 4))
                .isEqualTo(Outcome.SUCCESS);
        assertThat(available()).as("the late try is refused: it would hang, never confirmed or cancelled")
                .isEqualTo(7);

        assertThat(barrier.decrementIfEnough(BranchBarrier.of("tcc", "t3", "01", "try"), stock, 2))
                .isEqualTo(Outcome.SUCCESS);
        assertThat(barrier.increment(BranchBarrier.of("tcc", "t3", "01", "cancel"), stock, 2))
                .isEqualTo(Outcome.SUCCESS);
        assertThat(available()).as("a try then its cancel: all given back").isEqualTo(7);
    }
}
