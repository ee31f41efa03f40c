package dev.redsaga.server.store;

import dev.redsaga.protocol.TransStatus;

/**
 * Which transactions a {@link TransactionStore#list} returns: DTM's {@code all} conditions. Every part is optional
 * ({@code null}: any).
 *
 * @param status       only this status
 * @param transType    only this {@code trans_type}
 * @param createdFrom  created at or after this time (epoch ms)
 * @param createdUntil created at or before this time (epoch ms)
 * @param gidPrefix    only gids that start with this (case counts, as in gids)
 */
public record ListFilter(TransStatus status, String transType, Long createdFrom, Long createdUntil,
        String gidPrefix) {

    /** Every transaction. */
    public static final ListFilter ALL = new ListFilter(null, null, null, null);

    /** DTM's conditions, any gid. */
    public ListFilter(TransStatus status, String transType, Long createdFrom, Long createdUntil) {
        this(status, transType, createdFrom, createdUntil, null);
    }

    /** Only transactions of this status ({@code null}: every one). */
    public static ListFilter status(TransStatus status) {
        return new ListFilter(status, null, null, null);
    }

    public boolean matches(TransactionSummary r) {
        return (status == null || r.status() == status)
                && (transType == null || transType.equals(r.transType()))
                && (createdFrom == null || r.createdAt() >= createdFrom)
                && (createdUntil == null || r.createdAt() <= createdUntil)
                && (gidPrefix == null || r.gid().startsWith(gidPrefix));
    }
}
