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

    /** GID_TAKEN: the gid holds another transaction than the one sent. */
    public static CommandRefusedException differentTransaction(String gid) {
        return new CommandRefusedException(Reason.GID_TAKEN, "gid " + gid + " already holds a different transaction; "
                + "use a new gid (GET /api/dtmsvr/newGid) for a new saga");
    }

    public Reason reason() {
        return reason;
    }
}
