package dev.redsaga.server.store;

/**
 * Where a page of {@link TransactionStore#list} ended, as {@code createdAt:gid} on the wire: listings run newest
 * first by creation time, ties by gid, so the next page starts strictly after this pair.
 */
public record ListPosition(long createdAt, String gid) {

    /** The position of a {@code next_position}, or {@code null} for the first page. */
    public static ListPosition parse(String position) {
        if (position == null || position.isEmpty()) {
            return null;
        }
        int sep = position.indexOf(':');
        try {
            return new ListPosition(Long.parseLong(position.substring(0, sep)), position.substring(sep + 1));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("position '" + position + "' is invalid: pass the next_position"
                    + " of the previous page");
        }
    }

    /** The {@code next_position} of a page whose last record is {@code last}. */
    public static String after(TransactionSummary last) {
        return last.createdAt() + ":" + last.gid();
    }

    /** Whether a record created at {@code created} with {@code gid} belongs after this position. */
    public boolean precedes(long created, String otherGid) {
        return created < createdAt || (created == createdAt && otherGid.compareTo(gid) < 0);
    }
}
