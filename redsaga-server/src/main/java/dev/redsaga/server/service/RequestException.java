package dev.redsaga.server.service;

/** A request the service refuses; {@link Kind} says how, the message says why and what to do. */
public class RequestException extends RuntimeException {
    private final Kind kind;

    public enum Kind {
        /** malformed or invalid input */
        INVALID,
        /** the gid is unknown */
        NOT_FOUND,
        /** valid, but conflicts with the stored state of the transaction */
        CONFLICT,
        /** too large */
        TOO_LARGE
    }

    public RequestException(Kind kind, String message) {
        super(message);
        this.kind = kind;
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
}
