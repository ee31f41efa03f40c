package dev.redsaga.testkit.sim;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.engine.BranchCall;
import dev.redsaga.server.engine.BranchState;
import dev.redsaga.server.engine.Plan;
import dev.redsaga.server.engine.Planner;
import dev.redsaga.server.engine.SagaDefinition;
import dev.redsaga.server.engine.SagaProgress;
import java.util.HashSet;
import java.util.Set;

/**
 * The engine's known bugs, built by wrapping the machine's plans: what it is shown (a progress, the calls in flight)
 * or what it answers is changed, the machine itself is not. The engine has no bug of its own to switch on.
 */
final class MutatedPlanner implements Planner {
    private final Planner machine;
    private final Mutant mutant;

    private MutatedPlanner(Planner machine, Mutant mutant) {
        this.machine = machine;
        this.mutant = mutant;
    }

    /** {@code machine} with {@code mutant}'s bug, or {@code machine} itself when the bug is not in its plans. */
    static Planner wrap(Planner machine, Mutant mutant) {
        return switch (mutant) {
            case SKIP_FAILED_STEP_COMPENSATION, NOT_AWAITING_IN_FLIGHT, TCC_TIMEOUT_WITHOUT_CANCEL,
                    MSG_TIMEOUT_WITHOUT_BACK_CHECK -> new MutatedPlanner(machine, mutant);
            case null, default -> machine;
        };
    }

    @Override
    public Plan plan(SagaDefinition def, TransStatus status, SagaProgress p, long createdAt, long now,
            Set<BranchCall> inFlight) {
        Plan plan = machine.plan(def, status, p, createdAt, now, inFlight);
        return switch (mutant) {
            case SKIP_FAILED_STEP_COMPENSATION -> status == TransStatus.ABORTING
                    // the failed step is shown as never run: its compensation is skipped
                    ? machine.plan(def, status, failedAsNeverRun(def, p), createdAt, now, inFlight) : plan;
            case NOT_AWAITING_IN_FLIGHT -> notAwaiting(plan, def, status, p, createdAt, now, inFlight);
            case TCC_TIMEOUT_WITHOUT_CANCEL -> status == TransStatus.PREPARED && def.kind().registersBranches()
                    && plan instanceof Plan.Abort
                    // fails as a prepared saga does: nothing cancelled
                    ? new Plan.Finish(TransStatus.FAILED, "prepared but not submitted within timeout_to_fail") : plan;
            case MSG_TIMEOUT_WITHOUT_BACK_CHECK -> status == TransStatus.PREPARED && def.kind().backChecked()
                    && now >= createdAt + def.options().timeoutToFailMs()
                    ? new Plan.Submit() : plan; // sent without asking query_prepared
            default -> plan;
        };
    }

    /** Actions in flight are taken for never started: an abort goes ahead, and they are never compensated. */
    private Plan notAwaiting(Plan plan, SagaDefinition def, TransStatus status, SagaProgress p, long createdAt,
            long now, Set<BranchCall> inFlight) {
        Set<BranchCall> rest = new HashSet<>();
        SagaProgress forgotten = p;
        for (BranchCall c : inFlight) {
            if (c.compensating() || c.isQueryPrepared()) {
                rest.add(c);
            } else {
                forgotten = forgotten.with(c, BranchState.PENDING);
            }
        }
        if (rest.size() == inFlight.size()) {
            return plan;
        }
        Plan blind = machine.plan(def, status, forgotten, createdAt, now, rest);
        return switch (status) {
            case SUBMITTED -> blind instanceof Plan.Abort ? blind : plan;
            case ABORTING -> blind;
            default -> plan;
        };
    }

    private static SagaProgress failedAsNeverRun(SagaDefinition def, SagaProgress p) {
        SagaProgress shown = p;
        for (int i = 0; i < def.size(); i++) {
            if (p.actions().get(i).phase() == BranchState.Phase.FAILED) {
                shown = shown.with(new BranchCall(i, false), BranchState.PENDING);
            }
        }
        return shown;
    }
}
