package dev.redsaga.server.testing;

import dev.redsaga.client.testing.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.ArrayList;
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

    /**
     * Rewrites the succeeded transaction {@code gid} of the store with key prefix {@code prefix} as earlier builds
     * wrote it: status {@code succeeded} in its hash and in the name of its status index. {@code uri} is the
     * store's: {@code redis://...} or {@code redis-cluster://host:port,...} (the cluster's KEYS asks every master).
     */
    public static void spellSucceededAsEarlierBuilds(String uri, String prefix, String gid) {
        if (uri.startsWith("redis-cluster://")) {
            List<RedisURI> seeds = new ArrayList<>();
            for (String hostPort : uri.substring("redis-cluster://".length()).split(",")) {
                seeds.add(RedisURI.create("redis://" + hostPort));
            }
            RedisClusterClient client = RedisClusterClient.create(seeds);
            try (StatefulRedisClusterConnection<String, String> c = client.connect()) {
                respell(c.sync(), prefix, gid);
            } finally {
                client.shutdown();
            }
        } else {
            RedisClient client = RedisClient.create(uri);
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                respell(c.sync(), prefix, gid);
            } finally {
                client.shutdown();
            }
        }
    }

    private static void respell(RedisClusterCommands<String, String> redis, String prefix, String gid) {
        List<String> keys = redis.keys("{" + prefix + ":s*}:t:" + gid);
        if (keys.size() != 1) {
            throw new IllegalStateException("expected one hash for " + gid + ", found " + keys);
        }
        String key = keys.getFirst();
        String tag = key.substring(0, key.indexOf("}:") + 1);
        Double created = redis.zscore(tag + ":st:succeed", gid);
        if (created == null) {
            throw new IllegalStateException(gid + " is not in " + tag + ":st:succeed");
        }
        redis.hset(key, "st", "succeeded");
        redis.zrem(tag + ":st:succeed", gid);
        redis.zadd(tag + ":st:succeeded", created, gid);
    }
}
