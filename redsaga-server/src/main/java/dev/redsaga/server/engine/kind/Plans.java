package dev.redsaga.server.engine.kind;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.engine.BranchCall;
import dev.redsaga.server.engine.BranchState;
import dev.redsaga.server.engine.Plan;
import dev.redsaga.server.engine.SagaDefinition;
import dev.redsaga.server.engine.SagaProgress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;

/** The plans the kinds share: call-or-wait, reverse-order compensation, one-at-a-time order, a prepared timeout. */
final class Plans {
    private Plans() {
    }

    /**
     * A prepared transaction whose submit may never come: past its {@code timeout_to_fail} (or the server's prepared
     * lifetime) it fails — or, with {@code branchesMayHaveRun} (the client called tries that were never confirmed),
     * it aborts and every registered branch is undone.
     */
    static Plan expire(Situation s, boolean branchesMayHaveRun) {
        long ownTimeout = s.def().options().timeoutToFailMs();
        long timeout = ownTimeout > 0 ? ownTimeout : s.preparedLifetimeMs();
        long deadline = s.createdAt() + timeout;
        if (s.now() < deadline) {
            return new Plan.Wait(deadline);
        }
        if (branchesMayHaveRun) {
            return new Plan.Abort("Timeout after " + timeout / 1000 + " seconds");
        }
        return new Plan.Finish(TransStatus.FAILED, ownTimeout > 0
                ? "prepared but not submitted within timeout_to_fail"
                : "prepared but not submitted within the server's --prepared-lifetime");
    }

    /** The actions that may run now: the first unfinished one, or (concurrent) each whose predecessors succeeded. */
    static List<Integer> nextActions(SagaDefinition def, SagaProgress p) {
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < def.size(); i++) {
            if (p.actions().get(i).isSucceeded()) {
                continue;
            }
            if (!def.options().concurrent()) {
                candidates.add(i);
                break;
            }
            if (allSucceeded(p.actions(), def.predecessors().get(i))) {
                candidates.add(i);
            }
        }
        return candidates;
    }

    /**
     * Undo in reverse order (reverse dependency order when concurrent) every step {@code needsCompensation} names,
     * each retried until it succeeds; then {@code failed}.
     */
    static Plan backward(Situation s, IntPredicate needsCompensation) {
        SagaDefinition def = s.def();
        SagaProgress p = s.progress();
        int n = def.size();
        boolean[] done = new boolean[n];
        boolean allDone = true;
        for (int i = 0; i < n; i++) {
            done[i] = !needsCompensation.test(i) || p.compensations().get(i).isSucceeded();
            allDone &= done[i];
        }
        if (allDone) {
            return new Plan.Finish(TransStatus.FAILED, null);
        }
        List<Integer> candidates = new ArrayList<>();
        for (int i = n - 1; i >= 0; i--) {
            if (done[i]) {
                continue;
            }
            if (!def.options().concurrent()) {
                candidates.add(i);
                break;
            }
            if (dependentsDone(def, i, done)) {
                candidates.add(i);
            }
        }
        return callOrWait(candidates, true, s, Long.MAX_VALUE);
    }

    /**
     * Whether step {@code i} must be undone once the transaction aborts: it has an undo, and its action may have run
     * (it was attempted, or the progress is uncertain: after a crash any action may have run).
     */
    static boolean mayHaveRun(Situation s, int i) {
        return s.def().steps().get(i).hasCompensation()
                && (s.progress().uncertain() || s.progress().actions().get(i).phase() != BranchState.Phase.PENDING);
    }

    /** Every branch's op (or, {@code undo}, its undo) in registration order, one at a time, each until it succeeds. */
    static Plan inOrder(Situation s, boolean undo) {
        for (int i = 0; i < s.def().size(); i++) {
            if (!s.progress().branch(new BranchCall(i, undo)).isSucceeded()) {
                return callOrWait(List.of(i), undo, s, Long.MAX_VALUE);
            }
        }
        return new Plan.Finish(undo ? TransStatus.FAILED : TransStatus.SUCCEEDED, null);
    }

    /** Every action, last registered first, one at a time, each until it succeeds. */
    static Plan inReverseOrder(Situation s) {
        for (int i = s.def().size() - 1; i >= 0; i--) {
            if (!s.progress().actions().get(i).isSucceeded()) {
                return callOrWait(List.of(i), false, s, Long.MAX_VALUE);
            }
        }
        return new Plan.Finish(TransStatus.SUCCEEDED, null);
    }

    /**
     * Calls the candidates whose backoff has passed and that are not in flight; else waits for the earliest backoff
     * (or {@code deadline}).
     */
    static Plan callOrWait(List<Integer> candidates, boolean compensating, Situation s, long deadline) {
        Set<BranchCall> inFlight = s.inFlight();
        List<BranchCall> ready = new ArrayList<>();
        long earliest = deadline;
        for (int i : candidates) {
            BranchCall call = new BranchCall(i, compensating);
            if (inFlight.contains(call)) {
                continue;
            }
            long notBefore = s.progress().branch(call).notBefore();
            if (notBefore <= s.now()) {
                ready.add(call);
            } else {
                earliest = Math.min(earliest, notBefore);
            }
        }
        return ready.isEmpty() ? new Plan.Wait(earliest) : new Plan.Call(List.copyOf(ready));
    }

    private static boolean dependentsDone(SagaDefinition def, int step, boolean[] done) {
        for (int j = 0; j < def.size(); j++) {
            if (!done[j] && def.predecessors().get(j).contains(step)) {
                return false;
            }
        }
        return true;
    }

    private static boolean allSucceeded(List<BranchState> actions, List<Integer> steps) {
        for (int s : steps) {
            if (!actions.get(s).isSucceeded()) {
                return false;
            }
        }
        return true;
    }
}
