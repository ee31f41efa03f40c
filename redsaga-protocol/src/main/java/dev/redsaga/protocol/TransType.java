package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The kinds of global transaction the coordinator runs, spelled as DTM spells them ({@code trans_type}). */
public enum TransType {
    /** Steps given at submit; each action runs once, in order; a failure compensates what ran, in reverse. */
    SAGA("saga"),
    /**
     * Try-confirm-cancel: the client calls each branch's try itself, registering its confirm and cancel first;
     * submit confirms every branch, abort (or a timeout before submit) cancels every branch.
     */
    TCC("tcc"),
    /**
     * A 2-phase message: the client prepares it, commits its local transaction, then submits; every branch is then
     * called until it succeeds (no compensation). A prepared message whose submit never comes is settled by asking
     * the client's {@code query_prepared} URL whether the local transaction committed.
     */
    MSG("msg"),
    /**
     * XA over HTTP: each branch runs its local work as a prepared XA transaction branch and registers one URL; submit
     * calls it with {@code op=commit} for every branch, abort (or a timeout before submit) with {@code op=rollback}.
     */
    XA("xa");

    private final String wire;

    TransType(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    /** The type named {@code s}, or {@code null} if this coordinator runs no such type. */
    @JsonCreator
    public static TransType fromWire(String s) {
        for (TransType t : values()) {
            if (t.wire.equals(s)) {
                return t;
            }
        }
        return null;
    }
}
