package dev.redsaga.server.store;

import dev.redsaga.protocol.TransStatus;

/**
 * One global transaction as the store keeps it. The store reads only the indexed fields (gid, status,
 * version, owner, nextDueAt); {@code definition} and {@code progress} are the engine's JSON, opaque here.
 *
 * @param gid        the global transaction id
 * @param transType  its type as DTM names it: {@code saga}, {@code tcc}, {@code msg}, {@code xa}
 * @param status     where the transaction is in its life
 * @param definition the submitted transaction (steps, payloads, options) as JSON; never changes
 * @param progress   the engine's branch progress as JSON; changes with every write
 * @param version    incremented by every write; writes compare-and-set on it (fencing)
 * @param owner      the coordinator instance holding the lease, or {@code null} when nobody drives it
 * @param nextDueAt  epoch ms when someone must look at it again (lease expiry or retry time);
 *                   {@code null} once terminal, or while prepared with no timeout
 * @param createdAt  epoch ms of the first store
 * @param updatedAt  epoch ms of the last write
 * @param finishedAt epoch ms of reaching a terminal status, else {@code null}
 * @param reason     why it is aborting/failed, else {@code null}
 */
public record TransactionRecord(
        String gid,
        String transType,
        TransStatus status,
        String definition,
        String progress,
        long version,
        String owner,
        Long nextDueAt,
        long createdAt,
        long updatedAt,
        Long finishedAt,
        String reason) {

    /** A transaction's first record: version 1, created and last written {@code now}, not finished. */
    public static TransactionRecord created(String gid, String transType, TransStatus status, String definition,
            String progress, String owner, Long nextDueAt, long now) {
        return new TransactionRecord(gid, transType, status, definition, progress, 1, owner, nextDueAt, now, now, null,
                null);
    }

    /**
     * What a store answers for a gid whose finished transaction it removed after its retention: the gid and the
     * final status, nothing else. A gid runs once: such a gid is never accepted again.
     */
    public static TransactionRecord removed(String gid, TransStatus finalStatus) {
        return new TransactionRecord(gid, "", finalStatus, "", "", 0, null, null, 0, 0, null, null);
    }

    /** Whether this stands for a transaction the store removed after its retention (see {@link #removed}). */
    public boolean isRemoved() {
        return definition.isEmpty();
    }

    /** This record with another definition (a write that also replaces what the transaction runs). */
    public TransactionRecord withDefinition(String newDefinition) {
        return new TransactionRecord(gid, transType, status, newDefinition, progress, version, owner, nextDueAt,
                createdAt, updatedAt, finishedAt, reason);
    }

    /** The next version of this record: same gid, definition and creation time, version + 1. */
    public TransactionRecord next(TransStatus status, String progress, String owner, Long nextDueAt,
            long now, String reason) {
        Long finished = status.isTerminal() ? Long.valueOf(now) : null;
        return new TransactionRecord(gid, transType, status, definition, progress, version + 1, owner,
                nextDueAt, createdAt, now, finished, reason);
    }
}
