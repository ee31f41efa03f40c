package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Status of a global transaction, spelled on the wire exactly as DTM spells it.
 *
 * <p>Moves only forward: {@code prepared → submitted → succeed}, {@code submitted → aborting → failed},
 * and {@code prepared → failed} (aborted before submit). DTM spells success {@code succeed}; so do we (earlier
 * builds wrote {@code succeeded}: {@link #fromStored} still reads it, and the stores rewrite it when opened).
 */
public enum TransStatus {
    PREPARED("prepared"),
    SUBMITTED("submitted"),
    ABORTING("aborting"),
    SUCCEEDED("succeed"),
    FAILED("failed");

    /** The spelling of {@link #SUCCEEDED} in stores written by earlier builds. */
    public static final String LEGACY_SUCCEEDED = "succeeded";

    private final String wire;

    TransStatus(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED;
    }

    /** Whether the state machine allows moving from this status to {@code next}. */
    public boolean canMoveTo(TransStatus next) {
        return switch (this) {
            case PREPARED -> next == SUBMITTED || next == ABORTING || next == FAILED;
            case SUBMITTED -> next == ABORTING || next == SUCCEEDED || next == FAILED;
            case ABORTING -> next == FAILED;
            case SUCCEEDED, FAILED -> false;
        };
    }

    @JsonCreator
    public static TransStatus fromWire(String s) {
        for (TransStatus v : values()) {
            if (v.wire.equals(s)) {
                return v;
            }
        }
        if (LEGACY_SUCCEEDED.equals(s)) {
            throw new IllegalArgumentException("unknown transaction status 'succeeded': it is spelled 'succeed', as "
                    + "DTM spells it");
        }
        throw new IllegalArgumentException("unknown transaction status '" + s
                + "'; expected one of prepared, submitted, aborting, succeed, failed");
    }

    /** A status as a store holds it: the wire spelling, or one a store written by an earlier version holds. */
    public static TransStatus fromStored(String s) {
        return LEGACY_SUCCEEDED.equals(s) ? SUCCEEDED : fromWire(s);
    }
}
