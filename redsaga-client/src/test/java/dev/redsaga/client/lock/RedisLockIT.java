package dev.redsaga.client.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/** The lock against the real Redis: ownership, fencing, renewal, stale holders, waiting. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RedisLockIT {
    private static LockRedis redis;
    private final List<RedisLocks> opened = new CopyOnWriteArrayList<>();
    private String name;

    @BeforeAll
    static void connect() {
        redis = new LockRedis();
    }

    @AfterAll
    static void cleanUp() {
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void lockName(TestInfo test) {
        name = "res:" + test.getTestMethod().orElseThrow().getName();
    }

    @AfterEach
    void closeLocks() {
        opened.forEach(RedisLocks::close);
    }

    private RedisLocks locks(RedisLocks.Builder builder) {
        RedisLocks locks = builder.build();
        opened.add(locks);
        return locks;
    }

    private RedisLocks locks() {
        return locks(redis.locks());
    }

    @Test
    void aLockHasOneHolderAndReleaseFreesIt() throws Exception {
        RedisLocks a = locks();
        RedisLocks b = locks();
        LockLease lease = a.tryAcquire(name).orElseThrow();
        String key = a.lockKey(name);

        assertThat(lease.isHeld()).isTrue();
        assertThat(lease.name()).isEqualTo(name);
        assertThat(redis.redis.get(key)).isEqualTo(((RedisLockLease) lease).token());
        assertThat(redis.redis.pttl(key)).isBetween(1L, RedisLocks.DEFAULT_LEASE_TIME.toMillis());
        assertThat(b.tryAcquire(name)).isEmpty();
        assertThat(a.tryAcquire(name)).as("not reentrant").isEmpty();

        assertThat(lease.release()).isTrue();
        assertThat(lease.isHeld()).isFalse();
        assertThat(redis.redis.exists(key)).isZero();
        assertThat(lease.release()).as("second release").isFalse();
        assertThat(lease.renew()).as("renew after release").isFalse();
        lease.close(); // idempotent, no throw

        try (LockLease next = b.tryAcquire(name).orElseThrow()) {
            assertThat(next.fencingToken()).isGreaterThan(lease.fencingToken());
        }
        assertThat(redis.redis.exists(key)).isZero();
    }

    @Test
    void lockKeyAndFenceCounterShareAClusterSlot() {
        RedisLocks locks = locks();
        for (String n : List.of("a", "order:42", "stock:sku-9:warehouse", "ünïcode lock")) {
            assertThat(locks.lockKey(n)).isEqualTo(redis.prefix + "{" + n + "}");
            assertThat(SlotHash.getSlot(locks.fenceKey(n))).isEqualTo(SlotHash.getSlot(locks.lockKey(n)))
                    .isEqualTo(SlotHash.getSlot(n));
        }
    }

    @Test
    void fencingTokensStrictlyIncreaseAcrossHolders() throws Exception {
        List<RedisLocks> holders = List.of(locks(), locks(), locks());
        long previous = 0;
        for (int i = 0; i < 30; i++) {
            try (LockLease lease = holders.get(i % holders.size()).acquire(name, Duration.ofSeconds(2))) {
                assertThat(lease.fencingToken()).isGreaterThan(previous);
                previous = lease.fencingToken();
            }
        }
        assertThat(redis.redis.get(holders.get(0).fenceKey(name))).isEqualTo(Long.toString(previous));
    }

    @Test
    void aHolderPausedBeyondItsLeaseLosesTheLockAndCannotTouchTheNextHolders() throws Exception {
        // renewal off stands for a holder whose process is paused (GC, VM freeze) past its lease
        RedisLocks paused = locks(redis.locks().leaseTime(Duration.ofMillis(200)).autoRenew(false));
        RedisLocks next = locks(redis.locks().leaseTime(Duration.ofSeconds(30)));
        LockLease stale = paused.tryAcquire(name).orElseThrow();
        String key = paused.lockKey(name);

        awaitTrue(() -> redis.redis.exists(key) == 0, Duration.ofSeconds(2), "the paused lease expires in Redis");
        LockLease current = next.tryAcquire(name).orElseThrow();

        assertThat(current.fencingToken()).isGreaterThan(stale.fencingToken());
        assertThat(stale.isHeld()).isFalse();
        assertThat(stale.renew()).isFalse();
        assertThat(stale.release()).isFalse();
        assertThat(redis.redis.get(key)).isEqualTo(((RedisLockLease) current).token());
        assertThat(redis.redis.pttl(key)).as("not shortened to the stale lease's 200 ms").isGreaterThan(20_000L);
        assertThat(current.isHeld()).isTrue();
        assertThat(current.release()).isTrue();
    }

    @Test
    void aStaleHolderThatStillBelievesItHoldsTheLockCannotRenewOrReleaseTheNextHolders() throws Exception {
        // The stale holder's lease has not run out on its own clock, but Redis lost its key (a failover to a
        // replica that missed the SET, say) and someone else took the lock. Only the Lua compare protects.
        RedisLocks stale = locks(redis.locks().leaseTime(Duration.ofSeconds(5)).autoRenew(false));
        RedisLocks next = locks(redis.locks().leaseTime(Duration.ofSeconds(30)));
        LockLease old = stale.tryAcquire(name).orElseThrow();
        String key = stale.lockKey(name);
        redis.redis.del(key);
        LockLease current = next.tryAcquire(name).orElseThrow();

        assertThat(old.isHeld()).as("a belief, not a proof: why the fencing token exists").isTrue();
        assertThat(current.fencingToken()).isGreaterThan(old.fencingToken());

        assertThat(old.renew()).isFalse();
        assertThat(old.isHeld()).isFalse();
        assertThat(redis.redis.pttl(key)).as("not shortened to the stale lease's 5 s").isGreaterThan(20_000L);
        assertThat(old.release()).isFalse();
        assertThat(redis.redis.get(key)).isEqualTo(((RedisLockLease) current).token());
        assertThat(current.isHeld()).isTrue();
    }

    @Test
    void releaseWhileBelievingItHoldsNeverDeletesAnotherHoldersLock() throws Exception {
        RedisLocks stale = locks(redis.locks().leaseTime(Duration.ofSeconds(5)).autoRenew(false));
        RedisLocks next = locks();
        LockLease old = stale.tryAcquire(name).orElseThrow();
        String key = stale.lockKey(name);
        redis.redis.del(key);
        LockLease current = next.tryAcquire(name).orElseThrow();

        assertThat(old.release()).isFalse();
        assertThat(redis.redis.get(key)).isEqualTo(((RedisLockLease) current).token());
    }

    @Test
    void renewalKeepsALockAlongWellPastItsLeaseTime() throws Exception {
        List<String> lost = new CopyOnWriteArrayList<>();
        RedisLocks locks = locks(redis.locks().leaseTime(Duration.ofMillis(300)).listener(new LockListener() {
            @Override
            public void onLost(String n, long fencingToken, String reason) {
                lost.add(reason);
            }
        }));
        RedisLocks other = locks();
        LockLease lease = locks.tryAcquire(name).orElseThrow();
        String key = locks.lockKey(name);
        String token = ((RedisLockLease) lease).token();

        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500); // five lease times
        while (System.nanoTime() < end) {
            assertThat(redis.redis.get(key)).isEqualTo(token);
            assertThat(lease.isHeld()).isTrue();
            assertThat(other.tryAcquire(name)).isEmpty();
            Thread.sleep(50);
        }
        assertThat(lost).isEmpty();
        assertThat(lease.release()).isTrue();
        assertThat(redis.redis.exists(key)).isZero();
    }

    @Test
    void renewalThatFindsTheLockTakenMarksTheLeaseLost() throws Exception {
        AtomicReference<String> lostReason = new AtomicReference<>();
        RedisLocks locks = locks(redis.locks().leaseTime(Duration.ofMillis(300)).listener(new LockListener() {
            @Override
            public void onLost(String n, long fencingToken, String reason) {
                lostReason.set(n + ": " + reason);
            }
        }));
        LockLease lease = locks.tryAcquire(name).orElseThrow();
        String key = locks.lockKey(name);
        redis.redis.set(key, "someone-else", SetArgs.Builder.px(10_000));

        awaitTrue(() -> !lease.isHeld(), Duration.ofSeconds(2), "renewal notices the lock is someone else's");
        // the lease reads as lost before the listener runs (LockListener.onLost says why): wait for the listener
        awaitTrue(() -> lostReason.get() != null, Duration.ofSeconds(2), "the listener hears of the loss");
        assertThat(lostReason.get()).startsWith(name + ": renewal found");
        assertThat(redis.redis.get(key)).isEqualTo("someone-else");
        assertThat(lease.release()).isFalse();
        assertThat(redis.redis.get(key)).isEqualTo("someone-else");
    }

    @Test
    void withoutRenewalTheLeaseEndsOnItsOwnClock() throws Exception {
        RedisLocks locks = locks(redis.locks().leaseTime(Duration.ofMillis(150)).autoRenew(false));
        LockLease lease = locks.tryAcquire(name).orElseThrow();
        assertThat(lease.isHeld()).isTrue();
        assertThat(lease.renew()).as("manual renewal").isTrue();
        awaitTrue(() -> !lease.isHeld(), Duration.ofSeconds(2), "the lease runs out");
        assertThat(lease.renew()).as("lost is final").isFalse();
    }

    @Test
    void waitTimeoutExpiresWithAClearResult() throws Exception {
        RedisLocks holder = locks();
        RedisLocks waiter = locks();
        LockLease held = holder.tryAcquire(name).orElseThrow();

        long start = System.nanoTime();
        Optional<LockLease> none = waiter.tryAcquire(name, Duration.ofMillis(300));
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(none).isEmpty();
        assertThat(waitedMs).isBetween(300L, 1500L);

        assertThat(waiter.tryAcquire(name, Duration.ZERO)).isEmpty();
        assertThatThrownBy(() -> waiter.acquire(name, Duration.ofMillis(100)))
                .isInstanceOf(LockTimeoutException.class)
                .hasMessage("lock '" + name + "' is still held by another owner after waiting 100 ms")
                .satisfies(e -> {
                    assertThat(((LockTimeoutException) e).lockName()).isEqualTo(name);
                    assertThat(((LockTimeoutException) e).waitTimeout()).isEqualTo(Duration.ofMillis(100));
                });
        assertThat(held.isHeld()).isTrue();
    }

    @Test
    void aWaiterGetsTheLockSoonAfterTheHolderReleasesIt() throws Exception {
        RedisLocks holder = locks();
        RedisLocks waiter = locks();
        LockLease held = holder.tryAcquire(name).orElseThrow();
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<LockLease> next = CompletableFuture.supplyAsync(() -> {
            waiting.countDown();
            try {
                return waiter.acquire(name, Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        waiting.await();
        Thread.sleep(200);
        assertThat(next).isNotDone();
        long released = System.nanoTime();
        held.release();
        LockLease lease = next.get(2, TimeUnit.SECONDS);
        // soon after the release, not at the end of the holder's 10 s lease: the waiter retries at most 50 ms apart;
        // the bound leaves room for a loaded box (it was 500 ms, a figure a busy CI machine can move)
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - released)).isLessThan(3_000);
        assertThat(lease.fencingToken()).isGreaterThan(held.fencingToken());
        lease.close();
    }

    @Test
    void aCrashedHoldersLockFreesItselfAtTheEndOfItsLease() throws Exception {
        RedisLocks crashed = locks(redis.locks().leaseTime(Duration.ofMillis(300)).autoRenew(false));
        LockLease abandoned = crashed.tryAcquire(name).orElseThrow(); // never released
        long start = System.nanoTime();
        try (LockLease lease = locks().acquire(name, Duration.ofSeconds(3))) {
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(150L, 1500L);
            assertThat(lease.fencingToken()).isGreaterThan(abandoned.fencingToken());
        }
    }

    @Test
    void anInterruptedWaiterStopsWaiting() throws Exception {
        RedisLocks holder = locks();
        RedisLocks waiter = locks();
        holder.tryAcquire(name).orElseThrow();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                waiter.acquire(name, Duration.ofSeconds(30));
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.start();
        Thread.sleep(100);
        t.interrupt();
        t.join(2000);
        assertThat(t.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    }

    @Test
    void closingTheFactoryReleasesItsLeases() throws Exception {
        RedisLocks locks = redis.locks().leaseTime(Duration.ofSeconds(30)).build();
        LockLease lease = locks.tryAcquire(name).orElseThrow();
        locks.close();
        locks.close(); // idempotent

        assertThat(lease.isHeld()).isFalse();
        assertThat(redis.redis.exists(locks.lockKey(name))).isZero();
        assertThatThrownBy(() -> locks.tryAcquire(name)).isInstanceOf(IllegalStateException.class)
                .hasMessage("RedisLocks is closed");
    }

    @Test
    void aSharedSchedulerIsUsedAndLeftRunning() throws Exception {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            RedisLocks locks = redis.locks().leaseTime(Duration.ofMillis(150)).scheduler(scheduler).build();
            LockLease lease = locks.tryAcquire(name).orElseThrow();
            Thread.sleep(450);
            assertThat(lease.isHeld()).as("renewed on the shared scheduler").isTrue();
            locks.close();
            assertThat(scheduler.isShutdown()).isFalse();
        } finally {
            scheduler.shutdownNow();
        }
    }

    static void awaitTrue(BooleanSupplier condition, Duration atMost, String what) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + atMost.toMillis() + " ms: " + what);
            }
            Thread.sleep(10);
        }
    }
}
