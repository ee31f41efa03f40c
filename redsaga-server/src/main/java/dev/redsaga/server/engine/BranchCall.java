package dev.redsaga.server.engine;

import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.TransType;

/**
 * One call the engine decided to make: the action or the compensation of step {@code step} (0-based) — for a TCC
 * transaction, the confirm or the cancel of its branch.
 */
public record BranchCall(int step, boolean compensating) {
    /** The {@code op} the call carries, as DTM names it for {@code type}. */
    public BranchOp op(TransType type) {
        if (type == TransType.TCC) {
            return compensating ? BranchOp.CANCEL : BranchOp.CONFIRM;
        }
        return compensating ? BranchOp.COMPENSATE : BranchOp.ACTION;
    }
}
