package dev.redsaga.client.lock;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad arguments are refused at once, with a message naming what is wrong. */
class RedisLockArgumentsIT {
    private static LockRedis redis;
    private static RedisLocks locks;

    @BeforeAll
    static void connect() {
        redis = new LockRedis();
        locks = redis.locks().build();
    }

    @AfterAll
    static void cleanUp() {
        if (locks != null) {
            locks.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void builderRefusesAMissingConnection() {
        assertThatThrownBy(() -> RedisLocks.builder((StatefulRedisConnection<String, String>) null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("connection is required");
        assertThatThrownBy(() -> RedisLocks.builder((StatefulRedisClusterConnection<String, String>) null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("connection is required");
    }

    @Test
    void builderRefusesBadLeaseTimes() {
        RedisLocks.Builder b = redis.locks();
        for (Duration bad : new Duration[] {null, Duration.ZERO, Duration.ofMillis(-5), Duration.ofMillis(99)}) {
            assertThatThrownBy(() -> b.leaseTime(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("leaseTime must be at least 100 ms (renewal runs every third of it), got " + bad);
        }
        assertThatThrownBy(() -> b.leaseTime(Duration.ofMillis(100).plusNanos(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("leaseTime must be whole milliseconds (Redis PX), got PT0.100000001S");
        assertThatThrownBy(() -> b.leaseTime(Duration.ofDays(366)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("leaseTime must be at most");
        assertThatCode(() -> b.leaseTime(Duration.ofMillis(100))).doesNotThrowAnyException();
    }

    @Test
    void builderRefusesBadPrefixesSchedulersAndListeners() {
        RedisLocks.Builder b = redis.locks();
        assertThatThrownBy(() -> b.keyPrefix(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("keyPrefix must not be null");
        assertThatThrownBy(() -> b.keyPrefix("app:{tag}:")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("keyPrefix must not contain '{' or '}'");
        assertThatThrownBy(() -> b.scheduler(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("scheduler must not be null");
        assertThatThrownBy(() -> b.listener(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("listener must not be null");
        assertThatCode(() -> b.keyPrefix("")).doesNotThrowAnyException();
    }

    @Test
    void acquireRefusesBadNames() {
        for (String bad : new String[] {null, "", "   "}) {
            assertThatThrownBy(() -> locks.tryAcquire(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("lock name is required and must not be blank");
            assertThatThrownBy(() -> locks.acquire(bad, Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("lock name is required and must not be blank");
        }
        for (String bad : new String[] {"a{b}", "}", "{", "order:{42}"}) {
            assertThatThrownBy(() -> locks.tryAcquire(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("lock name must not contain '{' or '}' (the lock wraps the name in its own Redis "
                            + "Cluster hash tag), got '" + bad + "'");
        }
    }

    @Test
    void acquireRefusesBadWaitTimeouts() {
        assertThatThrownBy(() -> locks.tryAcquire("n", null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("waitTimeout must be zero (one attempt) or positive, got null");
        assertThatThrownBy(() -> locks.acquire("n", Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("waitTimeout must be zero (one attempt) or positive, got PT-0.001S");
    }
}
