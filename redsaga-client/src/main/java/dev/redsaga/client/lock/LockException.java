package dev.redsaga.client.lock;

/** A lock operation failed: Redis could not be reached, answered with an error, or did not answer in time. */
public class LockException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LockException(String message, Throwable cause) {
        super(message, cause);
    }

    public LockException(String message) {
        super(message);
    }
}
