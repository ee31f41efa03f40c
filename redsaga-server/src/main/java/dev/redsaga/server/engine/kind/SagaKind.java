package dev.redsaga.server.engine.kind;

import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.protocol.TransType;
import dev.redsaga.server.engine.BranchCall;
import dev.redsaga.server.engine.BranchState;
import dev.redsaga.server.engine.CommandRefusedException;
import dev.redsaga.server.engine.DefinitionCodec;
import dev.redsaga.server.engine.InvalidTransactionException;
import dev.redsaga.server.engine.Plan;
import dev.redsaga.server.engine.SagaDefinition;
import dev.redsaga.server.engine.SagaOptions;
import dev.redsaga.server.engine.SagaProgress;

/**
 * A saga: steps given with the submit. Forward: actions in order (or, concurrently, each once its predecessors
 * succeeded); all succeeded → {@code succeeded}. An action's FAILURE, an exhausted {@code retry_limit} or a passed
 * {@code timeout_to_fail} → {@code aborting}: every attempted action (every action, when the progress is uncertain)
 * is compensated in reverse order (reverse dependency order), each retried until it succeeds → {@code failed}.
 * Prepared, it fails once its submit is late: nothing ran.
 */
final class SagaKind implements TransactionKind {

    @Override
    public TransType type() {
        return TransType.SAGA;
    }

    @Override
    public void checkStepCount(int steps) {
        if (steps == 0) {
            throw new InvalidTransactionException("steps is required: give at least one "
                    + "{\"action\":url,\"compensate\":url}");
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
        return 0;
    }

    @Override
    public Registration registration() {
        return null;
    }

    @Override
    public Plan plan(Situation s) {
        return switch (s.status()) {
            case PREPARED -> Plans.expire(s, false);
            case SUBMITTED -> forward(s);
            case ABORTING -> Plans.backward(s, i -> Plans.mayHaveRun(s, i));
            case SUCCEEDED, FAILED -> new Plan.Done();
        };
    }

    private static Plan forward(Situation s) {
        SagaDefinition def = s.def();
        SagaProgress p = s.progress();
        SagaOptions o = def.options();
        boolean allSucceeded = true;
        for (int i = 0; i < def.size(); i++) {
            BranchState a = p.actions().get(i);
            if (a.phase() == BranchState.Phase.FAILED) {
                return new Plan.Abort("action of branch " + def.steps().get(i).branchId() + " failed: "
                        + a.lastError());
            }
            if (o.retryLimit() > 0 && !a.isSucceeded() && a.attempts() > o.retryLimit()
                    && !s.inFlight().contains(new BranchCall(i, false))) {
                // DTM's words, which its tests compare; the branch's last_error says which one and why
                return new Plan.Abort("RetryCount is greater than RetryLimit, RetryLimit: " + o.retryLimit());
            }
            allSucceeded &= a.isSucceeded();
        }
        if (allSucceeded) {
            return new Plan.Finish(TransStatus.SUCCEEDED, null);
        }
        long deadline = o.timeoutToFailMs() > 0 ? s.createdAt() + o.timeoutToFailMs() : Long.MAX_VALUE;
        if (s.now() >= deadline) {
            return new Plan.Abort("Timeout after " + o.timeoutToFailMs() / 1000 + " seconds"); // DTM's words
        }
        return Plans.callOrWait(Plans.nextActions(def, p), false, s, deadline);
    }

    @Override
    public boolean failureEnds(BranchCall call) {
        return !call.compensating(); // an action's FAILURE aborts the saga; a compensation must succeed
    }

    @Override
    public boolean retriesAtOnce(SagaDefinition def, BranchCall call) {
        return def.options().retryLimit() > 0 && !call.compensating();
    }

    @Override
    public BranchOp op(BranchCall call) {
        return call.compensating() ? BranchOp.COMPENSATE : BranchOp.ACTION;
    }

    @Override
    public SagaDefinition resent(SagaDefinition stored, SagaDefinition sent) {
        if (!DefinitionCodec.sameButForTrace(stored, sent)) {
            throw CommandRefusedException.differentTransaction(stored.gid());
        }
        return sent;
    }

    @Override
    public String submittedAbortRefusal(String gid) {
        return null; // an operator may stop it: it is compensated
    }
}
