package dev.redsaga.server.service;

/**
 * A request the service could not carry out; {@link Kind} says how, the message says why and what to do. The
 * transport maps kinds to its status codes; it never sees the store's own exceptions.
 */
public class RequestException extends RuntimeException {
    private final Kind kind;
    private final String internalDetail;

    public enum Kind {
        /** malformed or invalid input */
        INVALID,
        /** the gid is unknown */
        NOT_FOUND,
        /** valid, but conflicts with the stored state of the transaction */
        CONFLICT,
        /** too large */
        TOO_LARGE,
        /** the store could not be reached or failed; nothing was done */
        UNAVAILABLE,
        /** a write reached the store but no answer came back: it may have happened; query the gid */
        OUTCOME_UNKNOWN,
        /** the coordinator is at its limit; nothing was done: try again shortly */
        BUSY
    }

    public RequestException(Kind kind, String message) {
        this(kind, message, null);
    }

    /** @param internalDetail what went wrong inside (a store's error text): for the log, never for the caller */
    public RequestException(Kind kind, String message, String internalDetail) {
        super(message);
        this.kind = kind;
        this.internalDetail = internalDetail;
    }

    /** What went wrong inside, for the log only; {@code null} if the message says it all. */
    public String internalDetail() {
        return internalDetail;
    }

    public Kind kind() {
        return kind;
    }

    public static RequestException invalid(String message) {
        return new RequestException(Kind.INVALID, message);
    }

    public static RequestException notFound(String message) {
        return new RequestException(Kind.NOT_FOUND, message);
    }

    public static RequestException conflict(String message) {
        return new RequestException(Kind.CONFLICT, message);
    }

    public static RequestException unavailable(String message) {
        return new RequestException(Kind.UNAVAILABLE, message);
    }

    public static RequestException busy(String message) {
        return new RequestException(Kind.BUSY, message);
    }

    public static RequestException outcomeUnknown(String message) {
        return new RequestException(Kind.OUTCOME_UNKNOWN, message);
    }

    /**
     * What a caller is told of a store failure: that {@code what} may have been done, and how to find out
     * ({@code howToCheck}), when a write reached the store and no answer came back; else that nothing was done. The
     * store's own error text stays in the log only: it can name tables, hosts, driver internals.
     */
    public static RequestException ofStore(dev.redsaga.server.store.StoreException e, String what,
            String howToCheck) {
        if (e.outcomeUnknown()) {
            return new RequestException(Kind.OUTCOME_UNKNOWN, "the store did not confirm " + what
                    + "; it may have been done: " + howToCheck, e.getMessage());
        }
        return new RequestException(Kind.UNAVAILABLE, "the store is unavailable; nothing was done: try again shortly",
                e.getMessage());
    }
}
