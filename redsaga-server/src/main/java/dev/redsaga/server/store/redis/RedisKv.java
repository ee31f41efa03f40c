package dev.redsaga.server.store.redis;

import dev.redsaga.server.store.KvEntry;
import dev.redsaga.server.store.TransactionStore.KvPage;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The key-value pairs of the Redis store, all under one hash tag (a few topics: one slot is plenty): a hash per
 * pair, {@code {prefix:kv}:p:<cat>:<key>} (fields {@code v}, {@code ver}, {@code c}, {@code u}), and per category
 * a sorted set of its keys at score 0, {@code {prefix:kv}:i:<cat>}, which orders them for the scans. Each write is
 * one script comparing the version.
 */
final class RedisKv {
    private static final String PUT = RedisCalls.script("kv_put.lua");
    private static final String DELETE = RedisCalls.script("kv_delete.lua");

    private final RedisCalls calls;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final String tag;

    RedisKv(RedisCalls calls, RedisClusterAsyncCommands<String, String> redis, String tag) {
        this.calls = calls;
        this.redis = redis;
        this.tag = tag;
    }

    private String pairKey(String cat, String key) {
        return tag + ":p:" + cat + ":" + key;
    }

    private String indexKey(String cat) {
        return tag + ":i:" + cat;
    }

    Optional<KvEntry> find(String cat, String key) {
        Map<String, String> h = calls.call(() -> redis.hgetall(pairKey(cat, key)), "find " + cat + " " + key);
        return h == null || h.isEmpty() ? Optional.empty() : Optional.of(read(cat, key, h));
    }

    boolean put(KvEntry next) {
        Long written = calls.eval(PUT, ScriptOutputType.INTEGER,
                new String[] {pairKey(next.cat(), next.key()), indexKey(next.cat())},
                List.of(next.key(), Long.toString(next.version() - 1), Long.toString(next.version()), next.value(),
                        Long.toString(next.createdAt()), Long.toString(next.updatedAt())),
                "write " + next.cat() + " " + next.key());
        return written == 1;
    }

    boolean delete(String cat, String key) {
        Long deleted = calls.eval(DELETE, ScriptOutputType.INTEGER, new String[] {pairKey(cat, key), indexKey(cat)},
                List.of(key), "delete " + cat + " " + key);
        return deleted == 1;
    }

    KvPage scan(String cat, String after, int limit) {
        Range<String> range = after.isEmpty() ? Range.unbounded()
                : Range.from(Range.Boundary.excluding(after), Range.Boundary.unbounded());
        List<String> keys = calls.call(() -> redis.zrangebylex(indexKey(cat), range, Limit.create(0, limit + 1)),
                "scan " + cat);
        boolean more = keys.size() > limit;
        List<String> page = more ? keys.subList(0, limit) : keys;
        // the pairs of the page in one round trip (a pair deleted between the two reads is left out)
        List<CompletableFuture<List<KeyValue<String, String>>>> reads = new ArrayList<>();
        for (String key : page) {
            reads.add(redis.hmget(pairKey(cat, key), "v", "ver", "c", "u").toCompletableFuture());
        }
        List<KvEntry> entries = new ArrayList<>();
        for (int i = 0; i < page.size(); i++) {
            CompletableFuture<List<KeyValue<String, String>>> read = reads.get(i);
            List<KeyValue<String, String>> f = calls.call(() -> read, "scan " + cat);
            if (f.get(1).hasValue()) {
                entries.add(new KvEntry(cat, page.get(i), f.get(0).getValueOrElse(""),
                        Long.parseLong(f.get(1).getValue()), Long.parseLong(f.get(2).getValueOrElse("0")),
                        Long.parseLong(f.get(3).getValueOrElse("0"))));
            }
        }
        return new KvPage(entries, more ? page.getLast() : "");
    }

    private static KvEntry read(String cat, String key, Map<String, String> h) {
        return new KvEntry(cat, key, h.getOrDefault("v", ""), Long.parseLong(h.get("ver")),
                Long.parseLong(h.getOrDefault("c", "0")), Long.parseLong(h.getOrDefault("u", "0")));
    }
}
