package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Status of a global transaction, spelled on the wire exactly as DTM spells it.
 *
 * <p>Moves only forward: {@code prepared → submitted → succeeded}, {@code submitted → aborting → failed},
 * and {@code prepared → failed} (aborted before submit).
 */
public enum TransStatus {
    PREPARED("prepared"),
    SUBMITTED("submitted"),
    ABORTING("aborting"),
    SUCCEEDED("succeeded"),
    FAILED("failed");

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
        throw new IllegalArgumentException("unknown transaction status '" + s
                + "'; expected one of prepared, submitted, aborting, succeeded, failed");
    }
}
