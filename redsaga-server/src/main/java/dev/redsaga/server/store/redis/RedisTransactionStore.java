package dev.redsaga.server.store.redis;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.store.KvEntry;
import dev.redsaga.server.store.ListFilter;
import dev.redsaga.server.store.StoreException;
import dev.redsaga.server.store.StoreUris;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;

/**
 * The store on Redis or Redis Cluster. One hash per transaction; every change is one Lua script that compares
 * the version (fencing) and moves the due-time index with it, so a write is atomic and a stale writer is refused.
 *
 * <p>Keys: a transaction lives in shard {@code crc32(gid) % shards}; all keys of a shard share the hash tag
 * {@code {prefix:s<shard>}}: the hash {@code {prefix:sN}:t:<gid>}; sorted sets indexing it — {@code :due} by due
 * time, {@code :created} (every transaction) and {@code :st:<status>} (one per status) by creation time for the
 * listings, {@code :fin} by finish time for the retention; and {@code :removed}, a hash of the gids the retention
 * removed, with their final status. One script touches one slot, and the shards spread the store over a cluster
 * instead of one slot (DTM's Redis store keeps its index in one key). Key-value pairs (topics) live apart, under
 * the tag {@code {prefix:kv}} ({@link RedisKv}).
 *
 * <p>{@link #sweep} removes transactions finished longer ago than the retention, with their index entries;
 * unfinished ones are never removed, and a removed gid is never accepted again.
 */
public final class RedisTransactionStore implements TransactionStore {
    private static final String INSERT = RedisCalls.script("insert.lua");
    private static final String CAS = RedisCalls.script("cas.lua");
    private static final String CLAIM = RedisCalls.script("claim.lua");
    private static final String SWEEP = RedisCalls.script("sweep.lua");
    private static final String RESPELL = RedisCalls.script("respell.lua");
    /** Transactions removed per shard and script call by {@link #sweep}: short scripts, other clients interleave. */
    private static final int SWEEP_BATCH = 500;
    /** Index entries one {@link #list} call reads at most beyond its page (type filters are checked on records). */
    public static final int LIST_SCAN_BUDGET = RedisListings.SCAN_BUDGET;

    private final AutoCloseable client;
    private final AutoCloseable connection;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final String prefix;
    private final int shards;
    private final long retentionMs;
    private final String description;
    private final AtomicInteger nextShard = new AtomicInteger();
    private final RedisCalls calls;
    private final RedisKv kv;
    private final RedisListings listings;

    /**
     * Options: key prefix, shard count, how long finished transactions are kept, and how many replicas must have
     * each write before the coordinator acts on it ({@code WAIT}; 0 = the master's answer is enough).
     */
    public record Options(String keyPrefix, int shards, Duration retention, int waitReplicas, Duration waitTimeout) {
        public static Options defaults() {
            return new Options("redsaga", 16, Duration.ofDays(7));
        }

        public Options(String keyPrefix, int shards, Duration retention) {
            this(keyPrefix, shards, retention, 0, Duration.ofSeconds(1));
        }

        public Options {
            if (keyPrefix == null || keyPrefix.isEmpty() || keyPrefix.contains("{") || keyPrefix.contains("}")) {
                throw new IllegalArgumentException("key prefix must be non-empty and without braces, was " + keyPrefix);
            }
            if (shards < 1 || shards > 16384) {
                throw new IllegalArgumentException("shards must be between 1 and 16384, was " + shards);
            }
            if (retention == null || retention.getSeconds() < 1) {
                throw new IllegalArgumentException("retention must be at least one second, was " + retention);
            }
            if (waitReplicas < 0) {
                throw new IllegalArgumentException("wait-replicas must be 0 or more, was " + waitReplicas);
            }
            if (waitTimeout == null || waitTimeout.toMillis() < 1
                    || waitTimeout.compareTo(RedisCalls.COMMAND_TIMEOUT) > 0) {
                throw new IllegalArgumentException("wait-timeout must be between 1 ms and "
                        + RedisCalls.COMMAND_TIMEOUT.toMillis() + " ms, was " + waitTimeout);
            }
        }
    }

    private RedisTransactionStore(AutoCloseable client, AutoCloseable connection,
            RedisClusterAsyncCommands<String, String> redis, Options options, String description) {
        this.client = client;
        this.connection = connection;
        this.redis = redis;
        this.prefix = options.keyPrefix();
        this.shards = options.shards();
        this.retentionMs = options.retention().toMillis();
        this.description = description;
        this.calls = new RedisCalls(redis, description, options.waitReplicas(), options.waitTimeout().toMillis());
        this.kv = new RedisKv(calls, redis, "{" + prefix + ":kv}");
        this.listings = new RedisListings(this, calls, redis, shards);
    }

    /**
     * Connects to {@code redis://host:port[/db]} or {@code redis-cluster://host:port,host:port,...}.
     *
     * @throws StoreException with a message saying what to fix, when the URI is bad or nobody answers
     */
    public static RedisTransactionStore open(String uri, Options options) {
        String shown = StoreUris.redact(uri);
        // our own settings ride in the query string:
        // ?prefix=redsaga&shards=16&retention=604800 (seconds)&wait-replicas=1&wait-timeout=1000 (ms)
        int q = uri.indexOf('?');
        if (q >= 0) {
            Map<String, String> params = new HashMap<>();
            for (String kv : uri.substring(q + 1).split("&")) {
                int eq = kv.indexOf('=');
                params.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
            }
            try {
                options = new Options(params.getOrDefault("prefix", options.keyPrefix()),
                        Integer.parseInt(params.getOrDefault("shards", Integer.toString(options.shards()))),
                        Duration.ofSeconds(Long.parseLong(params.getOrDefault("retention",
                                Long.toString(options.retention().getSeconds())))),
                        Integer.parseInt(params.getOrDefault("wait-replicas", Integer.toString(options.waitReplicas()))),
                        Duration.ofMillis(Long.parseLong(params.getOrDefault("wait-timeout",
                                Long.toString(options.waitTimeout().toMillis())))));
            } catch (IllegalArgumentException e) {
                throw new StoreException("store '" + shown + "' has a bad setting: " + e.getMessage());
            }
            uri = uri.substring(0, q);
            shown = StoreUris.redact(uri);
        }
        try {
            if (uri.startsWith("redis-cluster://")) {
                if (options.waitReplicas() > 0) {
                    // WAIT must go to the master of each key's slot; the cluster client routes keyless commands
                    // to any node, where it would count the wrong writes
                    throw new StoreException("store '" + shown + "': wait-replicas is not supported on Redis Cluster "
                            + "yet; use appendfsync always on the masters (docs/stores.md)");
                }
                List<RedisURI> seeds = new ArrayList<>();
                for (String hostPort : uri.substring("redis-cluster://".length()).split(",")) {
                    seeds.add(RedisURI.create("redis://" + hostPort.trim()));
                }
                RedisClusterClient client = RedisClusterClient.create(seeds);
                client.setOptions(io.lettuce.core.cluster.ClusterClientOptions.builder()
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .timeoutOptions(TimeoutOptions.enabled(RedisCalls.COMMAND_TIMEOUT))
                        .build());
                try {
                    StatefulRedisClusterConnection<String, String> c = client.connect();
                    return new RedisTransactionStore(client::shutdown, c, c.async(), options, shown).respelled();
                } catch (RuntimeException e) {
                    client.shutdown();
                    throw e;
                }
            }
            if (uri.startsWith("redis://") || uri.startsWith("rediss://")) {
                RedisClient client = RedisClient.create(RedisURI.create(uri));
                client.setOptions(ClientOptions.builder()
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .timeoutOptions(TimeoutOptions.enabled(RedisCalls.COMMAND_TIMEOUT))
                        .build());
                try {
                    StatefulRedisConnection<String, String> c = client.connect();
                    return new RedisTransactionStore(client::shutdown, c, c.async(), options, shown).respelled();
                } catch (RuntimeException e) {
                    client.shutdown();
                    throw e;
                }
            }
        } catch (IllegalArgumentException e) {
            throw new StoreException("store '" + shown + "' is not a valid Redis URI: " + e.getMessage()
                    + " (use redis://host:6379 or redis-cluster://host:7000,host:7001)");
        } catch (RedisException e) {
            throw new StoreException("cannot connect to Redis at " + shown + ": " + StoreException.rootMessage(e));
        }
        throw new StoreException("store '" + shown + "' is not a Redis URI: use redis://host:6379 or "
                + "redis-cluster://host:7000,host:7001");
    }

    int shardOf(String gid) {
        CRC32 crc = new CRC32();
        crc.update(gid.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % shards);
    }

    private String tag(int shard) {
        return "{" + prefix + ":s" + shard + "}";
    }

    String txKey(String gid) {
        return tag(shardOf(gid)) + ":t:" + gid;
    }

    String dueKey(int shard) {
        return tag(shard) + ":due";
    }

    private String createdKey(int shard) {
        return tag(shard) + ":created";
    }

    /** The listing index of {@code status}, or of every transaction when it is {@code null}. */
    String indexKey(int shard, TransStatus status) {
        return status == null ? createdKey(shard) : statusKeyPrefix(shard) + status.wire();
    }

    private String statusKeyPrefix(int shard) {
        return tag(shard) + ":st:";
    }

    private String finishedKey(int shard) {
        return tag(shard) + ":fin";
    }

    private String removedKey(int shard) {
        return tag(shard) + ":removed";
    }

    @Override
    public Optional<TransactionRecord> insertIfAbsent(TransactionRecord r) {
        int shard = shardOf(r.gid());
        List<String> args = new ArrayList<>(List.of(r.gid(), Long.toString(r.createdAt()),
                r.nextDueAt() == null ? "" : Long.toString(r.nextDueAt())));
        fields(r, args, null);
        List<String> existing = calls.eval(INSERT, ScriptOutputType.MULTI, new String[] {txKey(r.gid()), dueKey(shard),
                createdKey(shard), statusKeyPrefix(shard) + r.status().wire(), removedKey(shard)}, args,
                "insert " + r.gid());
        if (existing == null || existing.isEmpty()) {
            return Optional.empty();
        }
        if (existing.size() == 2 && "removed".equals(existing.get(0))) {
            return Optional.of(TransactionRecord.removed(r.gid(), TransStatus.fromStored(existing.get(1))));
        }
        return Optional.of(read(r.gid(), existing));
    }

    @Override
    public Optional<TransactionRecord> find(String gid) {
        Map<String, String> h = calls.call(() -> redis.hgetall(txKey(gid)), "find " + gid);
        return h == null || h.isEmpty() ? Optional.empty() : Optional.of(read(gid, h));
    }

    @Override
    public boolean compareAndSet(TransactionRecord n) {
        int shard = shardOf(n.gid());
        List<String> deleted = new ArrayList<>();
        List<String> sets = new ArrayList<>();
        fields(n, sets, deleted);
        List<String> args = new ArrayList<>(List.of(n.gid(), Long.toString(n.version() - 1),
                n.nextDueAt() == null ? "" : Long.toString(n.nextDueAt()),
                n.finishedAt() == null ? "" : Long.toString(n.finishedAt()), statusKeyPrefix(shard), n.status().wire(),
                Long.toString(n.createdAt()), Integer.toString(deleted.size())));
        args.addAll(deleted);
        args.addAll(sets);
        Long ok = calls.eval(CAS, ScriptOutputType.INTEGER,
                new String[] {txKey(n.gid()), dueKey(shard), finishedKey(shard)},
                args, "update " + n.gid());
        return ok != null && ok == 1;
    }

    /**
     * Rewrites the succeeded transactions of a store written by an earlier build, which spelled the status
     * {@code succeeded} (DTM spells it {@code succeed}), in batches so that other clients interleave; a store with
     * none costs one read per shard. The final statuses of removed gids are read in either spelling.
     */
    private RedisTransactionStore respelled() {
        for (int shard = 0; shard < shards; shard++) {
            String legacy = statusKeyPrefix(shard) + TransStatus.LEGACY_SUCCEEDED;
            // a read first: a store with nothing to rewrite writes nothing (and waits for no replica)
            Long present = calls.call(() -> redis.exists(legacy), "look for succeeded transactions to respell");
            if (present == null || present == 0) {
                continue;
            }
            Long n;
            do {
                n = calls.eval(RESPELL, ScriptOutputType.INTEGER, new String[] {legacy,
                        indexKey(shard, TransStatus.SUCCEEDED)},
                        List.of(tag(shard) + ":t:", Integer.toString(SWEEP_BATCH)), "respell succeeded transactions");
            } while (n != null && n == SWEEP_BATCH);
        }
        return this;
    }

    /** Removes, shard by shard, transactions finished more than the retention before {@code now}. */
    @Override
    public int sweep(long now) {
        long cutoff = now - retentionMs;
        int removed = 0;
        for (int shard = 0; shard < shards; shard++) {
            Long n;
            do {
                n = calls.eval(SWEEP, ScriptOutputType.INTEGER, new String[] {finishedKey(shard), createdKey(shard),
                        removedKey(shard)}, List.of(Long.toString(cutoff), Integer.toString(SWEEP_BATCH),
                        tag(shard) + ":t:", statusKeyPrefix(shard)), "remove finished transactions");
                removed += n == null ? 0 : n.intValue();
            } while (n != null && n == SWEEP_BATCH);
        }
        return removed;
    }

    /**
     * Polls the shards round-robin, starting where the last call stopped, so every shard is served; within a
     * shard the most overdue come first. Across shards the order is approximate.
     */
    @Override
    public List<TransactionRecord> claimDue(long now, String owner, long leaseUntil, int limit) {
        List<TransactionRecord> out = new ArrayList<>();
        int start = Math.floorMod(nextShard.getAndIncrement(), shards);
        for (int i = 0; i < shards && out.size() < limit; i++) {
            int shard = (start + i) % shards;
            List<Object> claimed = calls.eval(CLAIM, ScriptOutputType.MULTI, new String[] {dueKey(shard)},
                    List.of(Long.toString(now), owner, Long.toString(leaseUntil), Integer.toString(limit - out.size()),
                            tag(shard) + ":t:"), "claim due transactions");
            for (Object o : claimed) {
                @SuppressWarnings("unchecked")
                List<String> flat = (List<String>) o;
                Map<String, String> h = toMap(flat);
                out.add(read(h.get("gid"), h));
            }
        }
        return out;
    }

    @Override
    public Backlog backlog(long now) {
        return listings.backlog(now);
    }

    @Override
    public Page list(ListFilter filter, String position, int limit) {
        return listings.list(filter, position, limit);
    }

    @Override
    public Optional<KvEntry> findKv(String cat, String key) {
        return kv.find(cat, key);
    }

    @Override
    public boolean putKv(KvEntry next) {
        return kv.put(next);
    }

    @Override
    public boolean deleteKv(String cat, String key) {
        return kv.delete(cat, key);
    }

    @Override
    public KvPage scanKv(String cat, String after, int limit) {
        return kv.scan(cat, after, limit);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        try {
            connection.close();
            client.close();
        } catch (Exception e) {
            // closing is best effort
        }
    }

    // --- encoding ---

    /** Field/value pairs of {@code r} into {@code sets}; names of null fields into {@code deleted} (if given). */
    private static void fields(TransactionRecord r, List<String> sets, List<String> deleted) {
        put(sets, deleted, "gid", r.gid());
        put(sets, deleted, "tt", r.transType());
        put(sets, deleted, "st", r.status().wire());
        put(sets, deleted, "def", r.definition());
        put(sets, deleted, "prog", r.progress());
        put(sets, deleted, "v", Long.toString(r.version()));
        put(sets, deleted, "own", r.owner());
        put(sets, deleted, "due", r.nextDueAt() == null ? null : Long.toString(r.nextDueAt()));
        put(sets, deleted, "ca", Long.toString(r.createdAt()));
        put(sets, deleted, "ua", Long.toString(r.updatedAt()));
        put(sets, deleted, "fa", r.finishedAt() == null ? null : Long.toString(r.finishedAt()));
        put(sets, deleted, "rs", r.reason());
    }

    private static void put(List<String> sets, List<String> deleted, String field, String value) {
        if (value != null) {
            sets.add(field);
            sets.add(value);
        } else if (deleted != null) {
            deleted.add(field);
        }
    }

    private static TransactionRecord read(String gid, List<String> flat) {
        return read(gid, toMap(flat));
    }

    private static TransactionRecord read(String gid, Map<String, String> h) {
        return new TransactionRecord(gid, h.get("tt"), TransStatus.fromStored(h.get("st")), h.get("def"), h.get("prog"),
                Long.parseLong(h.get("v")), h.get("own"), longOrNull(h.get("due")), Long.parseLong(h.get("ca")),
                Long.parseLong(h.get("ua")), longOrNull(h.get("fa")), h.get("rs"));
    }

    private static Map<String, String> toMap(List<String> flat) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            m.put(flat.get(i), flat.get(i + 1));
        }
        return m;
    }

    static Long longOrNull(String s) {
        return s == null || s.isEmpty() ? null : Long.valueOf(s);
    }


}
