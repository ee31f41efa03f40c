package dev.redsaga.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Status of one branch (one op of one step), as DTM spells it. */
public enum BranchStatus {
    PREPARED("prepared"),
    SUCCEEDED("succeed"),
    FAILED("failed");

    private final String wire;

    BranchStatus(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    @JsonCreator
    public static BranchStatus fromWire(String s) {
        for (BranchStatus v : values()) {
            if (v.wire.equals(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown branch status '" + s + "'");
    }
}
