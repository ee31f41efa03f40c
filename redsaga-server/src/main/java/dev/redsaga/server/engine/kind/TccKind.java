package dev.redsaga.server.engine.kind;

import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.TransType;
import dev.redsaga.server.engine.BranchCall;
import dev.redsaga.server.engine.InvalidTransactionException;
import dev.redsaga.server.engine.Plan;

/**
 * Try-confirm-cancel. Each step is a branch registered while the transaction is prepared (action = confirm,
 * compensation = cancel); the client calls the tries itself. Prepared past its {@code timeout_to_fail} →
 * {@code aborting}; submitted → every confirm, last registered first, each retried until it succeeds (a confirm's
 * FAILURE too: the try reserved what it confirms) → {@code succeeded}; aborting → every cancel, last registered
 * first, each retried until it succeeds → {@code failed}. DTM's order and rules.
 */
final class TccKind extends RegisteredBranchesKind {

    TccKind() {
        super(new Registration("confirm", "cancel"));
    }

    @Override
    public TransType type() {
        return TransType.TCC;
    }

    @Override
    public void checkStepCount(int steps) {
        if (steps > 0) {
            throw new InvalidTransactionException("a tcc transaction has no steps: register each branch with "
                    + "POST registerBranch (its confirm and cancel URLs) before calling its try");
        }
    }

    @Override
    Plan planSubmitted(Situation s) {
        return Plans.inReverseOrder(s);
    }

    @Override
    Plan planAborting(Situation s) {
        // the client called each branch's try (or may have): cancel it, whether it ran or not
        return Plans.backward(s, i -> s.def().steps().get(i).hasCompensation());
    }

    @Override
    public BranchOp op(BranchCall call) {
        return call.compensating() ? BranchOp.CANCEL : BranchOp.CONFIRM;
    }

    @Override
    public String submittedAbortRefusal(String gid) {
        return "tcc transaction " + gid + " is submitted: it confirms every branch and cannot be aborted";
    }
}
