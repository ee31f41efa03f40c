package dev.redsaga.client;

/**
 * A submit, prepare or abort may or may not have been carried out: the request reached the coordinator (or the
 * coordinator reached its store) and no answer came back. Do not take it for "not done" and start over under a new
 * gid — that could buy twice. Query {@link #gid()}, or send the same request again with the same gid: a gid runs
 * once, and the same body under the same gid is accepted again without running twice.
 */
public class OutcomeUnknownException extends RedsagaException {
    private final String gid;

    public OutcomeUnknownException(String gid, int httpStatus, String message, Throwable cause) {
        super(httpStatus, message, cause);
        this.gid = gid;
    }

    /** The transaction whose fate is unknown. */
    public String gid() {
        return gid;
    }
}
