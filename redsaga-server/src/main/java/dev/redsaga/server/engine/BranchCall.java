package dev.redsaga.server.engine;

import dev.redsaga.protocol.BranchOp;

/** One call the engine decided to make: the action or the compensation of step {@code step} (0-based). */
public record BranchCall(int step, boolean compensating) {
    public BranchOp op() {
        return compensating ? BranchOp.COMPENSATE : BranchOp.ACTION;
    }
}
