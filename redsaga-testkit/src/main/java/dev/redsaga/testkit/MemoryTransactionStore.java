package dev.redsaga.testkit;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.store.KvEntry;
import dev.redsaga.server.store.ListFilter;
import dev.redsaga.server.store.ListPosition;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import dev.redsaga.server.store.TransactionSummary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A store in memory, for tests and the simulator: the whole {@link TransactionStore} contract (it passes the same
 * contract suite as the real stores), with no durability beyond the object itself. Thread-safe; every method is one
 * atomic step.
 */
public class MemoryTransactionStore implements TransactionStore {
    private final Map<String, TransactionRecord> records = new HashMap<>();
    private final Map<String, TransStatus> removed = new HashMap<>();
    /** Per category, its pairs in key order. */
    private final Map<String, TreeMap<String, KvEntry>> kv = new HashMap<>();
    private final long retentionMs;

    /** A store that keeps every transaction. */
    public MemoryTransactionStore() {
        this(Long.MAX_VALUE);
    }

    /** A store whose {@link #sweep} removes transactions finished more than {@code retentionMs} before it. */
    public MemoryTransactionStore(long retentionMs) {
        this.retentionMs = retentionMs;
    }

    @Override
    public synchronized Optional<TransactionRecord> insertIfAbsent(TransactionRecord record) {
        TransactionRecord existing = records.get(record.gid());
        if (existing != null) {
            return Optional.of(existing);
        }
        TransStatus gone = removed.get(record.gid());
        if (gone != null) {
            return Optional.of(TransactionRecord.removed(record.gid(), gone));
        }
        records.put(record.gid(), record);
        written(null, record);
        return Optional.empty();
    }

    @Override
    public synchronized Optional<TransactionRecord> find(String gid) {
        return Optional.ofNullable(records.get(gid));
    }

    @Override
    public synchronized boolean compareAndSet(TransactionRecord next) {
        TransactionRecord current = records.get(next.gid());
        if (current == null || !versionMatches(current, next)) {
            return false;
        }
        records.put(next.gid(), next);
        written(current, next);
        return true;
    }

    /** Called, under the store's lock, after each write ({@code before} is {@code null} for an insert). */
    protected void written(TransactionRecord before, TransactionRecord after) {
    }

    /** Puts {@code gid} back to {@code record}, or removes it when {@code null}: for simulated lost writes. */
    protected synchronized void restore(String gid, TransactionRecord record) {
        if (record == null) {
            records.remove(gid);
        } else {
            records.put(gid, record);
        }
    }

    /** The fencing rule; the simulator's deliberately broken store overrides it. */
    protected boolean versionMatches(TransactionRecord current, TransactionRecord next) {
        return current.version() == next.version() - 1;
    }

    @Override
    public synchronized List<TransactionRecord> claimDue(long now, String owner, long leaseUntil, int limit) {
        List<TransactionRecord> due = new ArrayList<>();
        for (TransactionRecord r : records.values()) {
            if (!r.status().isTerminal() && r.nextDueAt() != null && r.nextDueAt() <= now) {
                due.add(r);
            }
        }
        due.sort(Comparator.comparingLong(TransactionRecord::nextDueAt).thenComparing(TransactionRecord::gid));
        List<TransactionRecord> claimed = new ArrayList<>();
        for (TransactionRecord r : due.subList(0, Math.min(limit, due.size()))) {
            TransactionRecord c = r.next(r.status(), r.progress(), owner, leaseUntil, now, r.reason());
            records.put(c.gid(), c);
            written(r, c);
            claimed.add(c);
        }
        return claimed;
    }

    @Override
    public synchronized Backlog backlog(long now) {
        long due = 0;
        Map<TransStatus, Long> oldest = new EnumMap<>(TransStatus.class);
        for (TransactionRecord r : records.values()) {
            if (r.nextDueAt() != null && r.nextDueAt() <= now) {
                due++;
            }
            if (!r.status().isTerminal()) {
                oldest.merge(r.status(), r.createdAt(), Math::min);
            }
        }
        return new Backlog(due, oldest);
    }

    @Override
    public synchronized int sweep(long now) {
        if (retentionMs == Long.MAX_VALUE) {
            return 0;
        }
        List<String> gone = new ArrayList<>();
        for (TransactionRecord r : records.values()) {
            if (r.finishedAt() != null && r.finishedAt() <= now - retentionMs) {
                gone.add(r.gid());
            }
        }
        for (String gid : gone) {
            removed.put(gid, records.remove(gid).status());
        }
        return gone.size();
    }

    @Override
    public synchronized Page list(ListFilter filter, String position, int limit) {
        ListPosition pos = ListPosition.parse(position);
        List<TransactionSummary> all = new ArrayList<>();
        for (TransactionRecord r : records.values()) {
            TransactionSummary summary = TransactionSummary.of(r);
            if ((pos == null || pos.precedes(r.createdAt(), r.gid())) && filter.matches(summary)) {
                all.add(summary);
            }
        }
        all.sort(Comparator.comparingLong(TransactionSummary::createdAt).thenComparing(TransactionSummary::gid)
                .reversed());
        if (all.size() <= limit) {
            return new Page(all, null);
        }
        List<TransactionSummary> page = new ArrayList<>(all.subList(0, limit));
        return new Page(page, ListPosition.after(page.get(limit - 1)));
    }

    @Override
    public synchronized Optional<KvEntry> findKv(String cat, String key) {
        return Optional.ofNullable(kv.getOrDefault(cat, new TreeMap<>()).get(key));
    }

    @Override
    public synchronized boolean putKv(KvEntry next) {
        TreeMap<String, KvEntry> pairs = kv.computeIfAbsent(next.cat(), c -> new TreeMap<>());
        KvEntry current = pairs.get(next.key());
        boolean fits = current == null ? next.version() == 1 : current.version() == next.version() - 1;
        if (fits) {
            pairs.put(next.key(), next);
        }
        return fits;
    }

    @Override
    public synchronized boolean deleteKv(String cat, String key) {
        TreeMap<String, KvEntry> pairs = kv.get(cat);
        return pairs != null && pairs.remove(key) != null;
    }

    @Override
    public synchronized KvPage scanKv(String cat, String after, int limit) {
        List<KvEntry> page = new ArrayList<>();
        for (KvEntry e : kv.getOrDefault(cat, new TreeMap<>()).tailMap(after, false).values()) {
            if (page.size() == limit) {
                return new KvPage(page, page.getLast().key());
            }
            page.add(e);
        }
        return new KvPage(page, "");
    }

    @Override
    public String describe() {
        return "memory";
    }

    @Override
    public void close() {
    }
}
