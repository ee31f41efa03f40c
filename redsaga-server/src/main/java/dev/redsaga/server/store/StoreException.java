package dev.redsaga.server.store;

/**
 * The store failed or could not be reached. Never swallowed. {@link #outcomeUnknown()} says whether a write may
 * have been carried out all the same (the request reached the store, the answer did not come back): a caller must
 * then not report the write as not done.
 */
public class StoreException extends RuntimeException {
    private final boolean outcomeUnknown;

    /** A failure after which the store is known to be unchanged (refused before sending, or an error reply). */
    public StoreException(String message, Throwable cause) {
        this(message, cause, false);
    }

    /** A failure after which the store is known to be unchanged. */
    public StoreException(String message) {
        this(message, null, false);
    }

    private StoreException(String message, Throwable cause, boolean outcomeUnknown) {
        super(message, cause);
        this.outcomeUnknown = outcomeUnknown;
    }

    /** A write was sent and no answer came back (timeout, connection lost mid-call): it may have happened. */
    public static StoreException outcomeUnknown(String message, Throwable cause) {
        return new StoreException(message, cause, true);
    }

    /** Whether the failed call may nonetheless have changed the store. */
    public boolean outcomeUnknown() {
        return outcomeUnknown;
    }

    /** The innermost cause's message: what a driver or socket actually said. */
    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
