package dev.redsaga.server.engine.kind;

import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.TransType;
import dev.redsaga.server.engine.BranchCall;
import dev.redsaga.server.engine.InvalidTransactionException;
import dev.redsaga.server.engine.Plan;

/**
 * XA over HTTP. Each branch runs its local work as a prepared XA branch, then registers its one URL (the step's
 * action and compensation both). As TCC, but the commits ({@code op=commit}) and the rollbacks
 * ({@code op=rollback}) go in registration order, one at a time, each until it succeeds, as DTM's.
 */
final class XaKind extends RegisteredBranchesKind {

    XaKind() {
        super(new Registration("url", "url"));
    }

    @Override
    public TransType type() {
        return TransType.XA;
    }

    @Override
    public void checkStepCount(int steps) {
        if (steps > 0) {
            throw new InvalidTransactionException("an xa transaction has no steps: each branch registers its URL with "
                    + "POST registerBranch once its XA transaction is prepared");
        }
    }

    @Override
    Plan planSubmitted(Situation s) {
        return Plans.inOrder(s, false);
    }

    @Override
    Plan planAborting(Situation s) {
        return Plans.inOrder(s, true);
    }

    @Override
    public BranchOp op(BranchCall call) {
        return call.compensating() ? BranchOp.ROLLBACK : BranchOp.COMMIT;
    }

    @Override
    public String submittedAbortRefusal(String gid) {
        return "xa transaction " + gid + " is submitted: it commits every branch and cannot be aborted";
    }
}
