package dev.redsaga.server.store;

import dev.redsaga.protocol.TransStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where global transactions live. Every implementation keeps the same contract, checked by the one
 * contract test suite that runs against each store:
 * <ul>
 *   <li>an insert is durable when {@link #insertIfAbsent} returns;</li>
 *   <li>every change is a compare-and-set on {@link TransactionRecord#version()}: a write carrying a stale
 *       version is rejected (fencing), so two coordinators can never both move one transaction;</li>
 *   <li>{@link #claimDue} never hands one transaction to two owners at once, and hands out the most overdue
 *       first;</li>
 *   <li>key-value pairs (DTM's KV: topics and their subscribers) change by compare-and-set on their version too.</li>
 * </ul>
 * Methods throw {@link StoreException} when the store cannot be reached or fails; they never swallow errors.
 */
public interface TransactionStore extends AutoCloseable {

    /**
     * Stores {@code record} (whose version is 1) if its gid is new.
     *
     * @return empty if stored; otherwise the record already stored under that gid, unchanged, or
     *     {@link TransactionRecord#removed} if the retention removed it
     */
    Optional<TransactionRecord> insertIfAbsent(TransactionRecord record);

    Optional<TransactionRecord> find(String gid);

    /**
     * Replaces the stored record by {@code next} if the stored version is {@code next.version() - 1}.
     *
     * @return whether the write happened; {@code false} means someone else wrote first (or the gid is gone)
     */
    boolean compareAndSet(TransactionRecord next);

    /**
     * Claims up to {@code limit} unfinished transactions whose {@code nextDueAt <= now}, most overdue first.
     * Each claimed record gets {@code owner}, {@code nextDueAt = leaseUntil} and version + 1, in one atomic
     * write per record; a record another caller claimed meanwhile is skipped.
     *
     * @return the claimed records, as stored after the claim
     */
    List<TransactionRecord> claimDue(long now, String owner, long leaseUntil, int limit);

    /**
     * Applies the store's retention, if it has one: removes the transactions that finished longer ago than the
     * retention, with everything that indexes them, and keeps their gids so that {@link #insertIfAbsent} still
     * refuses them (answering {@link TransactionRecord#removed}). Unfinished transactions are never removed. A store
     * that keeps everything does nothing here.
     *
     * @return how many transactions were removed
     */
    int sweep(long now);

    /**
     * One page of transactions, newest first, as summaries: a listing reads no definition and no progress, so its
     * cost per row is bounded whatever the transactions carry.
     *
     * @param filter   which transactions (status, type, creation time)
     * @param position where the previous page ended ({@link Page#nextPosition()}), or {@code null} to start
     * @param limit    page size, at least 1
     */
    Page list(ListFilter filter, String position, int limit);

    /**
     * What is waiting, for an operator's gauges (read on every metrics scrape, so it costs a few index reads):
     * how many unfinished transactions are due at {@code now} — past their retry time or their holder's lease,
     * waiting for recovery — and, for each unfinished status, when its oldest transaction was created.
     */
    Backlog backlog(long now);

    // --- key-value pairs: DTM's "KV", where topics and their subscribers live (category "topics") ---

    /** The pair {@code key} of category {@code cat}, if stored. */
    Optional<KvEntry> findKv(String cat, String key);

    /**
     * Writes {@code next}: with version 1, inserts it if its key is absent; else replaces the stored pair if its
     * version is {@code next.version() - 1}.
     *
     * @return whether the write happened; {@code false} means someone else wrote (or created, or deleted) it first
     */
    boolean putKv(KvEntry next);

    /** Removes a pair; returns whether it was there. */
    boolean deleteKv(String cat, String key);

    /**
     * One page of the pairs of category {@code cat}, in key order.
     *
     * @param after the last key of the previous page ({@link KvPage#nextPosition()}), or {@code ""} to start
     * @param limit page size, at least 1
     */
    KvPage scanKv(String cat, String after, int limit);

    /** A short description for logs and errors, without credentials, e.g. {@code h2:./data/redsaga}. */
    String describe();

    @Override
    void close();

    /**
     * See {@link #backlog}.
     *
     * @param due             unfinished transactions whose {@code nextDueAt <= now}
     * @param oldestCreatedAt for each unfinished status that has transactions, the creation time of its oldest
     */
    record Backlog(long due, Map<TransStatus, Long> oldestCreatedAt) {
        public Backlog {
            oldestCreatedAt = Map.copyOf(oldestCreatedAt);
        }
    }

    /** One page of {@link #scanKv}; {@code nextPosition} is {@code ""} on the last page. */
    record KvPage(List<KvEntry> entries, String nextPosition) {
        public KvPage {
            entries = List.copyOf(entries);
        }
    }

    /** One page of {@link #list}; {@code nextPosition} is {@code null} on the last page. */
    record Page(List<TransactionSummary> records, String nextPosition) {
    }
}
