package dev.redsaga.client.lock;

import dev.redsaga.client.internal.LuaScript;
import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The examples of {@code docs/redis-lock.md}, compiled and run: the resource, not the lock, refuses the write
 * of a holder whose lease ran out, because its fencing token is older than one the resource has seen.
 */
class FencedWriteExampleIT {
    private static LockRedis redis;

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

    // --8<-- [start:sql]
    /** Takes one item of stock, unless a holder with a newer fencing token has written since. */
    static boolean takeOne(Connection db, String sku, long fencingToken) throws SQLException {
        try (PreparedStatement update = db.prepareStatement(
                "UPDATE stock SET available = available - 1, fence = ? "
                        + "WHERE sku = ? AND available > 0 AND fence <= ?")) {
            update.setLong(1, fencingToken);
            update.setString(2, sku);
            update.setLong(3, fencingToken);
            return update.executeUpdate() == 1; // 0 rows: sold out, or a newer holder wrote first
        }
    }
    // --8<-- [end:sql]

    @Test
    void aStaleHoldersSqlWriteIsRefusedByTheFencingToken() throws Exception {
        try (Connection db = DriverManager.getConnection("jdbc:h2:mem:lock_" + UUID.randomUUID().toString()
                .replace("-", "")); Statement ddl = db.createStatement()) {
            ddl.execute("CREATE TABLE stock (sku VARCHAR(64) PRIMARY KEY, available INT NOT NULL, "
                    + "fence BIGINT NOT NULL DEFAULT 0)");
            ddl.execute("INSERT INTO stock (sku, available) VALUES ('sku-42', 10)");

            // a holder whose renewal stalls (a long GC pause) past its 200 ms lease ...
            RedisLocks paused = redis.locks().leaseTime(Duration.ofMillis(200)).autoRenew(false).build();
            RedisLocks healthy = redis.locks().build();
            try {
                LockLease stale = paused.acquire("stock:sku-42", Duration.ofSeconds(1));
                RedisLockIT.awaitTrue(() -> redis.redis.exists(paused.lockKey("stock:sku-42")) == 0,
                        Duration.ofSeconds(2), "the stalled lease expires");
                // ... while a second holder takes the lock and writes
                // --8<-- [start:usage]
                try (LockLease lease = healthy.acquire("stock:sku-42", Duration.ofSeconds(2))) {
                    if (!takeOne(db, "sku-42", lease.fencingToken())) {
                        throw new IllegalStateException("refused: sold out or a newer holder wrote");
                    }
                }
                // --8<-- [end:usage]
                // the stalled holder wakes up and writes: the database refuses, the lock could not
                assertThat(takeOne(db, "sku-42", stale.fencingToken())).isFalse();
                stale.close();
            } finally {
                paused.close();
                healthy.close();
            }
            try (var rs = ddl.executeQuery("SELECT available FROM stock WHERE sku = 'sku-42'")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(9);
            }
        }
    }

    // --8<-- [start:lua]
    /** A Redis resource guarded by the fencing token: write only if no newer token has been seen. */
    static final String FENCED_SET = ""
            + "-- KEYS[1] the value, KEYS[2] the highest fencing token accepted; ARGV[1] token, ARGV[2] value\n"
            + "local seen = tonumber(redis.call('GET', KEYS[2]) or '0')\n"
            + "if tonumber(ARGV[1]) < seen then return 0 end\n"
            + "redis.call('SET', KEYS[2], ARGV[1])\n"
            + "redis.call('SET', KEYS[1], ARGV[2])\n"
            + "return 1\n";
    // --8<-- [end:lua]

    @Test
    void aStaleHoldersRedisWriteIsRefusedByTheFencingToken() throws Exception {
        LuaScript fencedSet = new LuaScript("fenced-set", FENCED_SET);
        StatefulRedisConnection<String, String> c = redis.connect();
        String[] keys = {redis.prefix + "{doc}:value", redis.prefix + "{doc}:fence"};
        RedisLocks paused = redis.locks().leaseTime(Duration.ofMillis(200)).autoRenew(false).build();
        RedisLocks healthy = redis.locks().build();
        try {
            LockLease stale = paused.acquire("doc", Duration.ofSeconds(1));
            RedisLockIT.awaitTrue(() -> redis.redis.exists(paused.lockKey("doc")) == 0, Duration.ofSeconds(2),
                    "the stalled lease expires");
            try (LockLease lease = healthy.acquire("doc", Duration.ofSeconds(2))) {
                assertThat(fencedSet.<Long>run(c.async(), ScriptOutputType.INTEGER, keys,
                        Long.toString(lease.fencingToken()), "new").get(5, TimeUnit.SECONDS)).isEqualTo(1L);
            }
            assertThat(fencedSet.<Long>run(c.async(), ScriptOutputType.INTEGER, keys,
                    Long.toString(stale.fencingToken()), "stale").get(5, TimeUnit.SECONDS)).isZero();
            assertThat(redis.redis.get(keys[0])).isEqualTo("new");
        } finally {
            paused.close();
            healthy.close();
        }
    }
}
