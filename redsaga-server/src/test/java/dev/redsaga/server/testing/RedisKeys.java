package dev.redsaga.server.testing;

import dev.redsaga.client.testing.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.List;

/** Cleans up the keys a test wrote to the local Redis. */
public final class RedisKeys {
    private RedisKeys() {
    }

    public static void delete(String pattern) {
        RedisClient client = RedisClient.create(TestServices.REDIS_URI);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            List<String> keys = c.sync().keys(pattern);
            if (!keys.isEmpty()) {
                c.sync().del(keys.toArray(String[]::new));
            }
        } finally {
            client.shutdown();
        }
    }
}
