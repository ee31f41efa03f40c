package dev.redsaga.server.engine.kind;

import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.TransType;
import dev.redsaga.server.engine.BranchCall;
import dev.redsaga.server.engine.InvalidTransactionException;
import dev.redsaga.server.engine.Plan;
import dev.redsaga.server.engine.SagaDefinition;

/**
 * XA over HTTP. Each branch runs its local work as a prepared XA branch, then registers its one URL (the step's
 * action and compensation both). As TCC, but the commits ({@code op=commit}) and the rollbacks
 * ({@code op=rollback}) go in registration order, one at a time, each until it succeeds, as DTM's.
 */
final class XaKind implements TransactionKind {
    private static final Registration REGISTRATION = new Registration("url", "url");

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
    public boolean compensates() {
        return true;
    }

    @Override
    public boolean backChecked() {
        return false;
    }

    @Override
    public long defaultTimeoutToFailMs() {
        return SagaDefinition.DEFAULT_PREPARED_TIMEOUT_MS;
    }

    @Override
    public Registration registration() {
        return REGISTRATION;
    }

    @Override
    public Plan plan(Situation s) {
        return switch (s.status()) {
            case PREPARED -> Plans.expire(s, true); // prepared XA branches hold their locks: roll them back
            case SUBMITTED -> Plans.inOrder(s, false);
            case ABORTING -> Plans.inOrder(s, true);
            case SUCCEEDED, FAILED -> new Plan.Done();
        };
    }

    @Override
    public boolean failureEnds(BranchCall call) {
        return false;
    }

    @Override
    public BranchOp op(BranchCall call) {
        return call.compensating() ? BranchOp.ROLLBACK : BranchOp.COMMIT;
    }

    @Override
    public SagaDefinition resent(SagaDefinition stored, SagaDefinition sent) {
        return stored; // as TCC: its branches are registered since
    }

    @Override
    public String submittedAbortRefusal(String gid) {
        return "xa transaction " + gid + " is submitted: it commits every branch and cannot be aborted";
    }
}
