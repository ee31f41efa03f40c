package dev.redsaga.client.lock;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Mutual exclusion under contention: threads in two "processes" (two lock factories on two connections)
 * increment a counter outside Redis with a non-atomic read-then-write, only under the lock.
 */
class RedisLockContentionIT {
    private static final int THREADS = 8;
    private static final int ROUNDS = 200;

    private static LockRedis redis;

    // guarded by the Redis lock only; volatile for visibility, but read-then-write is not atomic
    private volatile int counter;
    private volatile long lastFence;
    private final AtomicInteger inside = new AtomicInteger();
    private final AtomicInteger overlaps = new AtomicInteger();
    private final AtomicInteger fenceRegressions = new AtomicInteger();

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

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void onlyOneHolderAtATimeAndEveryHolderGetsALargerFencingToken() throws Exception {
        String name = "counter";
        List<RedisLocks> processes = List.of(redis.locks().leaseTime(Duration.ofSeconds(5)).build(),
                redis.locks().leaseTime(Duration.ofSeconds(5)).build());
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                RedisLocks locks = processes.get(t % processes.size());
                workers.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < ROUNDS; i++) {
                        try (LockLease lease = locks.acquire(name, Duration.ofSeconds(20))) {
                            criticalSection(lease);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> w : workers) {
                w.get(25, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            processes.forEach(RedisLocks::close);
        }

        assertThat(overlaps.get()).as("critical sections that overlapped").isZero();
        assertThat(fenceRegressions.get()).as("holders whose token was not above the previous one").isZero();
        assertThat(counter).isEqualTo(THREADS * ROUNDS);
        assertThat(lastFence).isEqualTo(THREADS * ROUNDS);
        assertThat(redis.redis.exists(processes.get(0).lockKey(name))).isZero();
    }

    private void criticalSection(LockLease lease) {
        if (inside.incrementAndGet() != 1) {
            overlaps.incrementAndGet();
        }
        if (lease.fencingToken() <= lastFence) {
            fenceRegressions.incrementAndGet();
        }
        lastFence = lease.fencingToken();
        int read = counter;
        Thread.yield(); // widen the window a lost update needs
        counter = read + 1;
        inside.decrementAndGet();
    }
}
