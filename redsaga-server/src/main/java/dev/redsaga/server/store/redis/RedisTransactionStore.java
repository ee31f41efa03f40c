package dev.redsaga.server.store.redis;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.store.KvEntry;
import dev.redsaga.server.store.ListFilter;
import dev.redsaga.server.store.ListPosition;
import dev.redsaga.server.store.StoreException;
import dev.redsaga.server.store.StoreUris;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import dev.redsaga.server.store.TransactionSummary;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.Range;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Limit;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
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
    private static final String INSERT = script("insert.lua");
    private static final String CAS = script("cas.lua");
    private static final String CLAIM = script("claim.lua");
    private static final String SWEEP = script("sweep.lua");
    private static final String RESPELL = script("respell.lua");
    /** Transactions removed per shard and script call by {@link #sweep}: short scripts, other clients interleave. */
    private static final int SWEEP_BATCH = 500;
    /** Index entries one {@link #list} call reads at most beyond its page (type filters are checked on records). */
    public static final int LIST_SCAN_BUDGET = 2_000;
    /**
     * Fail fast while Redis is unreachable (instead of Lettuce's default of queueing commands until reconnect):
     * a submit is then refused with 503 at once, and drives leave their work to recovery.
     */
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);

    private final AutoCloseable client;
    private final AutoCloseable connection;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final String prefix;
    private final int shards;
    private final long retentionMs;
    private final int waitReplicas;
    private final long waitTimeoutMs;
    private final String description;
    private final Map<String, String> shas = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicInteger nextShard = new AtomicInteger();
    private final RedisKv kv;

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
            if (waitTimeout == null || waitTimeout.toMillis() < 1 || waitTimeout.compareTo(COMMAND_TIMEOUT) > 0) {
                throw new IllegalArgumentException("wait-timeout must be between 1 ms and "
                        + COMMAND_TIMEOUT.toMillis() + " ms, was " + waitTimeout);
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
        this.waitReplicas = options.waitReplicas();
        this.waitTimeoutMs = options.waitTimeout().toMillis();
        this.description = description;
        this.kv = new RedisKv(this, redis, "{" + prefix + ":kv}");
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
                        .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
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
                        .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
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

    private String dueKey(int shard) {
        return tag(shard) + ":due";
    }

    private String createdKey(int shard) {
        return tag(shard) + ":created";
    }

    /** The listing index of {@code status}, or of every transaction when it is {@code null}. */
    private String indexKey(int shard, TransStatus status) {
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
        List<String> existing = eval(INSERT, ScriptOutputType.MULTI, new String[] {txKey(r.gid()), dueKey(shard),
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
        Map<String, String> h = call(() -> redis.hgetall(txKey(gid)), "find " + gid);
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
        Long ok = eval(CAS, ScriptOutputType.INTEGER, new String[] {txKey(n.gid()), dueKey(shard), finishedKey(shard)},
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
            Long present = call(() -> redis.exists(legacy), "look for succeeded transactions to respell");
            if (present == null || present == 0) {
                continue;
            }
            Long n;
            do {
                n = eval(RESPELL, ScriptOutputType.INTEGER, new String[] {legacy,
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
                n = eval(SWEEP, ScriptOutputType.INTEGER, new String[] {finishedKey(shard), createdKey(shard),
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
            List<Object> claimed = eval(CLAIM, ScriptOutputType.MULTI, new String[] {dueKey(shard)},
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

    /**
     * Per shard, a count of the due index and the first entry of each unfinished status's index (scored by creation
     * time); the commands of all shards are sent at once and their answers awaited together.
     */
    @Override
    public Backlog backlog(long now) {
        List<TransStatus> unfinished = Arrays.stream(TransStatus.values()).filter(s -> !s.isTerminal())
                .toList();
        List<CompletionStage<Long>> dues = new ArrayList<>();
        Map<TransStatus, List<CompletionStage<List<ScoredValue<String>>>>> firsts = new EnumMap<>(
                TransStatus.class);
        for (int shard = 0; shard < shards; shard++) {
            dues.add(redis.zcount(dueKey(shard), Range.create(Double.NEGATIVE_INFINITY, (double) now)));
            for (TransStatus status : unfinished) {
                firsts.computeIfAbsent(status, k -> new ArrayList<>())
                        .add(redis.zrangeWithScores(indexKey(shard, status), 0, 0));
            }
        }
        long due = 0;
        for (CompletionStage<Long> d : dues) {
            due += call(() -> d, "count its backlog");
        }
        Map<TransStatus, Long> oldest = new EnumMap<>(TransStatus.class);
        for (Map.Entry<TransStatus, List<CompletionStage<List<ScoredValue<String>>>>> e : firsts.entrySet()) {
            for (CompletionStage<List<ScoredValue<String>>> f : e.getValue()) {
                for (ScoredValue<String> sv : call(() -> f, "count its backlog")) {
                    oldest.merge(e.getKey(), (long) sv.getScore(), Math::min);
                }
            }
        }
        return new Backlog(due, oldest);
    }

    /**
     * Newest first, merged across shards by creation time (ties by gid). The position is {@code createdAt:gid}.
     * With a status, only that status's index is read; the creation-time bounds bound the index ranges; the type
     * is checked on the records read. A page that read {@link #LIST_SCAN_BUDGET} entries past those that match
     * ends there, shorter than asked, with a position to go on from (a rare type must not read the whole store
     * in one request). Only the summary fields are read ({@code HMGET}, a batch at a time in one pipeline): never a
     * definition or a progress, which can weigh megabytes each; a gid prefix is checked on the index entry, before
     * anything is read.
     */
    @Override
    public Page list(ListFilter filter, String position, int limit) {
        ListPosition start = ListPosition.parse(position);
        long cursorCreated = start == null ? Long.MAX_VALUE : start.createdAt();
        String cursorGid = start == null ? null : start.gid();
        if (filter.createdUntil() != null && filter.createdUntil() < cursorCreated) {
            cursorCreated = filter.createdUntil();
            cursorGid = null; // everything created at that time is in range
        }
        double lower = filter.createdFrom() == null ? Double.NEGATIVE_INFINITY : (double) filter.createdFrom();
        int batch = Math.max(limit + 1, 32);
        int budget = LIST_SCAN_BUDGET + limit;
        List<TransactionSummary> page = new ArrayList<>();
        boolean stoppedEarly = false;
        while (page.size() <= limit) {
            List<ScoredValue<String>> candidates = new ArrayList<>();
            for (int shard = 0; shard < shards; shard++) {
                String key = indexKey(shard, filter.status());
                double upper = (double) cursorCreated;
                List<ScoredValue<String>> part = call(() -> redis.zrevrangebyscoreWithScores(key,
                        Range.create(lower, upper), Limit.create(0, batch + 64)), "list transactions");
                for (ScoredValue<String> sv : part) {
                    long created = (long) sv.getScore();
                    if (created < cursorCreated || (created == cursorCreated
                            && (cursorGid == null || sv.getValue().compareTo(cursorGid) < 0))) {
                        candidates.add(sv);
                    }
                }
            }
            if (candidates.isEmpty()) {
                break;
            }
            candidates.sort(Comparator.<ScoredValue<String>>comparingDouble(ScoredValue::getScore)
                    .thenComparing(ScoredValue::getValue).reversed());
            List<ScoredValue<String>> take = candidates.subList(0, Math.min(batch, candidates.size()));
            List<CompletionStage<List<KeyValue<String, String>>>> reads = new ArrayList<>(take.size());
            for (ScoredValue<String> sv : take) {
                reads.add(filter.gidPrefix() != null && !sv.getValue().startsWith(filter.gidPrefix()) ? null
                        : redis.hmget(txKey(sv.getValue()), SUMMARY_FIELDS));
            }
            for (int i = 0; i < take.size(); i++) {
                ScoredValue<String> sv = take.get(i);
                cursorCreated = (long) sv.getScore();
                cursorGid = sv.getValue();
                CompletionStage<List<KeyValue<String, String>>> read = reads.get(i);
                Optional<TransactionSummary> r = read == null ? Optional.empty() // another gid prefix: not read
                        : summary(sv.getValue(), call(() -> read, "list transactions"));
                if (read != null && r.isEmpty()) {
                    // gone without the sweep (a key expired by an older version of this store): drop the entry
                    String key = indexKey(shardOf(sv.getValue()), filter.status());
                    call(() -> redis.zrem(key, sv.getValue()), "list transactions");
                } else if (r.isPresent() && filter.matches(r.get())) {
                    page.add(r.get());
                    if (page.size() > limit) {
                        break;
                    }
                }
                if (--budget <= 0 && page.size() <= limit) {
                    stoppedEarly = true;
                    break;
                }
            }
            if (stoppedEarly || candidates.size() < batch) {
                break; // the budget is spent, or every shard's remaining entries were in this round
            }
        }
        String next = null;
        if (page.size() > limit) {
            page = new ArrayList<>(page.subList(0, limit));
            TransactionSummary last = page.get(limit - 1);
            next = ListPosition.after(last);
        } else if (stoppedEarly) {
            next = cursorCreated + ":" + cursorGid;
        }
        return new Page(page, next);
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

    /** The fields of a listing, in {@link #summary}'s order. */
    private static final String[] SUMMARY_FIELDS = {"tt", "st", "v", "own", "due", "ca", "ua", "fa", "rs"};

    private static Optional<TransactionSummary> summary(String gid, List<KeyValue<String, String>> f) {
        if (f.size() != SUMMARY_FIELDS.length || !f.get(1).hasValue()) {
            return Optional.empty(); // the key is gone
        }
        return Optional.of(new TransactionSummary(gid, f.get(0).getValueOrElse(null),
                TransStatus.fromStored(f.get(1).getValue()), Long.parseLong(f.get(2).getValue()),
                f.get(3).getValueOrElse(null), longOrNull(f.get(4).getValueOrElse(null)),
                Long.parseLong(f.get(5).getValue()), Long.parseLong(f.get(6).getValue()),
                longOrNull(f.get(7).getValueOrElse(null)), f.get(8).getValueOrElse(null)));
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

    private static Long longOrNull(String s) {
        return s == null || s.isEmpty() ? null : Long.valueOf(s);
    }

    // --- scripts and errors ---

    /**
     * EVALSHA, loading the script on NOSCRIPT (first use, restart, failover, new cluster node) and retrying once.
     * With {@code wait-replicas}, the answer comes only once that many replicas have the write.
     */
    <T> T eval(String source, ScriptOutputType type, String[] keys, List<String> args, String what) {
        String[] argv = args.toArray(String[]::new);
        String sha = shas.computeIfAbsent(source, s -> redis.digest(s));
        return call(() -> replicated(redis.<T>evalsha(sha, type, keys, argv).toCompletableFuture()
                .exceptionallyCompose(e -> unwrap(e) instanceof RedisNoScriptException
                        ? redis.<T>eval(source, type, keys, argv)
                        : CompletableFuture.failedFuture(unwrap(e))), what), what);
    }

    /**
     * {@code WAIT} after a write, on the same connection (so it counts this write): a write fewer replicas than
     * required acknowledged in time is reported with its outcome unknown — it is on the master, and may be lost
     * with it — so the coordinator does not act on it. Reads ({@link #call} alone) never wait.
     */
    private <T> CompletableFuture<T> replicated(CompletableFuture<T> write, String what) {
        if (waitReplicas == 0) {
            return write;
        }
        return write.thenCompose(result -> redis.waitForReplication(waitReplicas, waitTimeoutMs).toCompletableFuture()
                .thenApply(acked -> {
                    if (acked == null || acked < waitReplicas) {
                        throw StoreException.outcomeUnknown("store " + description + ": " + what + " reached "
                                + acked + " of " + waitReplicas + " replicas within " + waitTimeoutMs
                                + " ms (wait-replicas); it may be lost in a failover", null);
                    }
                    return result;
                }));
    }

    /**
     * Runs one command and waits for its answer. The async API, waited on here, rather than Lettuce's sync API:
     * the same wait without its reflective proxy on every call. The command timeout ends the wait; the limit
     * here is only a backstop.
     */
    <T> T call(Supplier<? extends CompletionStage<T>> op, String what) {
        try {
            return op.get().toCompletableFuture().get(COMMAND_TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw StoreException.outcomeUnknown("store " + description + " did not answer within "
                    + COMMAND_TIMEOUT.toSeconds() + " s to " + what, e);
        } catch (ExecutionException e) {
            Throwable cause = unwrap(e.getCause());
            if (cause instanceof StoreException store) {
                throw store;
            }
            throw failed(what, cause);
        } catch (RedisException | CancellationException e) {
            throw failed(what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw StoreException.outcomeUnknown("store " + description + ": interrupted while waiting to " + what, e);
        }
    }

    private StoreException failed(String what, Throwable cause) {
        String message = "store " + description + " failed to " + what + ": " + StoreException.rootMessage(cause);
        return mayHaveRun(cause) ? StoreException.outcomeUnknown(message, cause) : new StoreException(message, cause);
    }

    /**
     * Whether a command that failed with {@code e} may have run: yes unless Redis answered with an error, or the
     * command was never sent (no connection: refused at once, as the client is set up to do while disconnected).
     * A timeout or a connection lost with the command in flight leaves it unknown.
     */
    private static boolean mayHaveRun(Throwable e) {
        if (e instanceof RedisCommandExecutionException || e instanceof RedisConnectionException) {
            return false;
        }
        String m = e.getMessage();
        return m == null || !(m.startsWith("Currently not connected") || m.equals("Connection is closed"));
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    static String script(String file) {
        try (InputStream in = RedisTransactionStore.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("missing Lua script " + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
