package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The {@code op} query parameter of a branch call. A compensating op has an origin op: the barrier
 * uses it to detect an empty compensation (the origin never ran) and to refuse a late origin (hanging).
 */
public enum BranchOp {
    ACTION("action", null),
    COMPENSATE("compensate", ACTION),
    TRY("try", null),
    CONFIRM("confirm", null),
    CANCEL("cancel", TRY),
    MSG("msg", null),
    /** XA's second phase, and DTM's barrier ops of the same names (rollback undoes an action). */
    COMMIT("commit", null),
    ROLLBACK("rollback", ACTION);

    private final String wire;
    private final BranchOp origin;

    BranchOp(String wire, BranchOp origin) {
        this.wire = wire;
        this.origin = origin;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    /** The op this one undoes, or {@code null} if it is not a compensating op. */
    public BranchOp origin() {
        return origin;
    }

    public boolean isCompensation() {
        return origin != null;
    }

    @JsonCreator
    public static BranchOp fromWire(String s) {
        for (BranchOp v : values()) {
            if (v.wire.equals(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown branch op '" + s
                + "'; expected one of action, compensate, try, confirm, cancel, msg, commit, rollback");
    }
}
