package dev.redsaga.server.engine;

/** The engine refused a command on the transaction's stored state; the message says why and what to do. */
public class CommandRefusedException extends RuntimeException {
    /** Why. */
    public enum Reason {
        /** the gid already names another transaction (a different body, or one the retention removed) */
        GID_TAKEN,
        /** the transaction's status does not allow it (e.g. aborting a succeeded saga) */
        CONFLICT,
        /** no transaction has this gid */
        NOT_FOUND,
        /** every drive permit is taken and none came free in time; nothing was done */
        BUSY
    }

    private final Reason reason;

    public CommandRefusedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
