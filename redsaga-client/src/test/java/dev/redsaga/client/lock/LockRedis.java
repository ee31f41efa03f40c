package dev.redsaga.client.lock;

import dev.redsaga.client.testing.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The local Redis for the lock tests: one client, connections on demand, a random key prefix per test
 * class, and a clean-up that deletes every key under it.
 */
final class LockRedis implements AutoCloseable {
    final String prefix = "redsaga-test:lock:" + UUID.randomUUID().toString().substring(0, 8) + ":";
    private final RedisClient client;
    private final List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
    /** A connection for the test's own look at Redis, not used by any lock. */
    final RedisCommands<String, String> redis;

    LockRedis() {
        TestServices.requireRedis();
        client = RedisClient.create(TestServices.REDIS_URI);
        redis = connect().sync();
    }

    /** A fresh connection: each stands for one process using the lock. */
    synchronized StatefulRedisConnection<String, String> connect() {
        StatefulRedisConnection<String, String> c = client.connect();
        connections.add(c);
        return c;
    }

    /** A builder on a fresh connection with this test's key prefix. */
    RedisLocks.Builder locks() {
        return RedisLocks.builder(connect()).keyPrefix(prefix);
    }

    void deleteAll() {
        ScanIterator<String> keys = ScanIterator.scan(redis, ScanArgs.Builder.matches(prefix + "*").limit(500));
        List<String> batch = new ArrayList<>();
        while (keys.hasNext()) {
            batch.add(keys.next());
        }
        if (!batch.isEmpty()) {
            redis.del(batch.toArray(new String[0]));
        }
    }

    @Override
    public void close() {
        try {
            deleteAll();
        } finally {
            for (StatefulRedisConnection<String, String> c : connections) {
                c.close();
            }
            client.shutdown();
        }
    }
}
