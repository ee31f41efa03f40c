package dev.redsaga.server.store;

/** The store failed or could not be reached. Never swallowed: a submit that meets it is refused. */
public class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
