package dev.redsaga.server.engine;

/** A submitted transaction that cannot run as given; the message says what to fix. */
public class InvalidTransactionException extends RuntimeException {
    public InvalidTransactionException(String message) {
        super(message);
    }
}
