package dev.redsaga.server.store.redis;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.store.ListFilter;
import dev.redsaga.server.store.ListPosition;
import dev.redsaga.server.store.TransactionStore.Backlog;
import dev.redsaga.server.store.TransactionStore.Page;
import dev.redsaga.server.store.TransactionSummary;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** What the Redis store reads for operators: the listing, merged across shards, and the backlog. */
final class RedisListings {
    /** Index entries one {@link #list} call reads at most beyond its page (type filters are checked on records). */
    static final int SCAN_BUDGET = 2_000;

    private final RedisTransactionStore store;
    private final RedisCalls calls;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final int shards;

    RedisListings(RedisTransactionStore store, RedisCalls calls, RedisClusterAsyncCommands<String, String> redis,
            int shards) {
        this.store = store;
        this.calls = calls;
        this.redis = redis;
        this.shards = shards;
    }

    /**
     * Per shard, a count of the due index and the first entry of each unfinished status's index (scored by creation
     * time); the commands of all shards are sent at once and their answers awaited together.
     */
    Backlog backlog(long now) {
        List<TransStatus> unfinished = Arrays.stream(TransStatus.values()).filter(s -> !s.isTerminal())
                .toList();
        List<CompletionStage<Long>> dues = new ArrayList<>();
        Map<TransStatus, List<CompletionStage<List<ScoredValue<String>>>>> firsts = new EnumMap<>(
                TransStatus.class);
        for (int shard = 0; shard < shards; shard++) {
            dues.add(redis.zcount(store.dueKey(shard), Range.create(Double.NEGATIVE_INFINITY, (double) now)));
            for (TransStatus status : unfinished) {
                firsts.computeIfAbsent(status, k -> new ArrayList<>())
                        .add(redis.zrangeWithScores(store.indexKey(shard, status), 0, 0));
            }
        }
        long due = 0;
        for (CompletionStage<Long> d : dues) {
            due += calls.call(() -> d, "count its backlog");
        }
        Map<TransStatus, Long> oldest = new EnumMap<>(TransStatus.class);
        for (Map.Entry<TransStatus, List<CompletionStage<List<ScoredValue<String>>>>> e : firsts.entrySet()) {
            for (CompletionStage<List<ScoredValue<String>>> f : e.getValue()) {
                for (ScoredValue<String> sv : calls.call(() -> f, "count its backlog")) {
                    oldest.merge(e.getKey(), (long) sv.getScore(), Math::min);
                }
            }
        }
        return new Backlog(due, oldest);
    }

    /**
     * Newest first, merged across shards by creation time (ties by gid). The position is {@code createdAt:gid}.
     * With a status, only that status's index is read; the creation-time bounds bound the index ranges; the type
     * is checked on the records read. A page that read {@link #SCAN_BUDGET} entries past those that match
     * ends there, shorter than asked, with a position to go on from (a rare type must not read the whole store
     * in one request). Only the summary fields are read ({@code HMGET}, a batch at a time in one pipeline): never a
     * definition or a progress, which can weigh megabytes each; a gid prefix is checked on the index entry, before
     * anything is read.
     */
    Page list(ListFilter filter, String position, int limit) {
        ListPosition start = ListPosition.parse(position);
        long cursorCreated = start == null ? Long.MAX_VALUE : start.createdAt();
        String cursorGid = start == null ? null : start.gid();
        if (filter.createdUntil() != null && filter.createdUntil() < cursorCreated) {
            cursorCreated = filter.createdUntil();
            cursorGid = null; // everything created at that time is in range
        }
        double lower = filter.createdFrom() == null ? Double.NEGATIVE_INFINITY : (double) filter.createdFrom();
        int batch = Math.max(limit + 1, 32);
        int budget = SCAN_BUDGET + limit;
        List<TransactionSummary> page = new ArrayList<>();
        boolean stoppedEarly = false;
        while (page.size() <= limit) {
            List<ScoredValue<String>> candidates = new ArrayList<>();
            for (int shard = 0; shard < shards; shard++) {
                String key = store.indexKey(shard, filter.status());
                double upper = (double) cursorCreated;
                List<ScoredValue<String>> part = calls.call(() -> redis.zrevrangebyscoreWithScores(key,
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
                        : redis.hmget(store.txKey(sv.getValue()), SUMMARY_FIELDS));
            }
            for (int i = 0; i < take.size(); i++) {
                ScoredValue<String> sv = take.get(i);
                cursorCreated = (long) sv.getScore();
                cursorGid = sv.getValue();
                CompletionStage<List<KeyValue<String, String>>> read = reads.get(i);
                Optional<TransactionSummary> r = read == null ? Optional.empty() // another gid prefix: not read
                        : summary(sv.getValue(), calls.call(() -> read, "list transactions"));
                if (read != null && r.isEmpty()) {
                    // gone without the sweep (a key expired by an older version of this store): drop the entry
                    String key = store.indexKey(store.shardOf(sv.getValue()), filter.status());
                    calls.call(() -> redis.zrem(key, sv.getValue()), "list transactions");
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

    /** The fields of a listing, in {@link #summary}'s order. */
    private static final String[] SUMMARY_FIELDS = {"tt", "st", "v", "own", "due", "ca", "ua", "fa", "rs"};

    private static Optional<TransactionSummary> summary(String gid, List<KeyValue<String, String>> f) {
        if (f.size() != SUMMARY_FIELDS.length || !f.get(1).hasValue()) {
            return Optional.empty(); // the key is gone
        }
        return Optional.of(new TransactionSummary(gid, f.get(0).getValueOrElse(null),
                TransStatus.fromStored(f.get(1).getValue()), Long.parseLong(f.get(2).getValue()),
                f.get(3).getValueOrElse(null), RedisTransactionStore.longOrNull(f.get(4).getValueOrElse(null)),
                Long.parseLong(f.get(5).getValue()), Long.parseLong(f.get(6).getValue()),
                RedisTransactionStore.longOrNull(f.get(7).getValueOrElse(null)), f.get(8).getValueOrElse(null)));
    }
}
