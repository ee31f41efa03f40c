package dev.redsaga.server.store;

import dev.redsaga.protocol.TransStatus;

/**
 * What a listing ({@link TransactionStore#list}) returns of one transaction: the indexed and short fields of a
 * {@link TransactionRecord}, without its definition and progress. A listing reads these fields only, so a page costs
 * a bounded number of bytes per row whatever the transactions carry (a payload may weigh megabytes; a page of a
 * thousand of them must not).
 *
 * @param reason why it is aborting/failed, cut at {@link #MAX_REASON} characters, else {@code null}
 */
public record TransactionSummary(
        String gid,
        String transType,
        TransStatus status,
        long version,
        String owner,
        Long nextDueAt,
        long createdAt,
        long updatedAt,
        Long finishedAt,
        String reason) {

    /** The longest reason a summary carries. */
    public static final int MAX_REASON = 1_000;

    public TransactionSummary {
        if (reason != null && reason.length() > MAX_REASON) {
            reason = reason.substring(0, MAX_REASON);
        }
    }

    /** The summary of a whole record. */
    public static TransactionSummary of(TransactionRecord r) {
        return new TransactionSummary(r.gid(), r.transType(), r.status(), r.version(), r.owner(), r.nextDueAt(),
                r.createdAt(), r.updatedAt(), r.finishedAt(), r.reason());
    }
}
