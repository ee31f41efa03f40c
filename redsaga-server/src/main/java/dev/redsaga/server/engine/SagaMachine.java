package dev.redsaga.server.engine;

import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.protocol.TransType;
import dev.redsaga.server.engine.BranchState.Phase;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The saga state machine: pure functions from (definition, status, progress, time, event) to a new progress
 * or to a {@link Plan}. No I/O, no clock, no threads: the driver feeds it and carries out its plans, and a
 * simulator can feed it anything.
 *
 * <p>Forward: actions in order (or, concurrently, each once its predecessors succeeded); all succeeded →
 * {@code succeeded}. An action FAILURE, an exhausted {@code retry_limit} or a passed {@code timeout_to_fail}
 * → {@code aborting}: compensate every attempted action (every action, when the progress is uncertain) in
 * reverse order (reverse dependency order), retrying each until it succeeds → {@code failed}.
 *
 * <p>TCC (each step a registered branch: action = confirm, compensation = cancel; the client called the tries):
 * prepared past its {@code timeout_to_fail} → {@code aborting}; submitted → every confirm, last registered first,
 * each retried until it succeeds (a confirm's FAILURE too: the try reserved what it confirms) → {@code succeed};
 * aborting → every cancel, last registered first, retried until it succeeds → {@code failed}. DTM's order and rules.
 *
 * <p>XA (each step a registered branch, action and compensation its one URL): as TCC, but the commits
 * ({@code op=commit}) and the rollbacks ({@code op=rollback}) go in registration order, as DTM's.
 *
 * <p>A message (msg) has actions only. Prepared past its {@code timeout_to_fail} → ask its {@code query_prepared}
 * (the back-check): SUCCESS → {@code submitted}, FAILURE → {@code failed} (its local transaction did not commit),
 * ONGOING or no answer → ask again later. Submitted → after its delay, every action (in order, or all at once when
 * concurrent), each retried until it succeeds, a FAILURE too → {@code succeed}. It never compensates.
 */
public final class SagaMachine {
    private final Backoff backoff;
    private final long preparedLifetimeMs;
    private final boolean skipFailedStepCompensation;
    private final boolean tccTimeoutWithoutCancel;
    private final boolean msgTimeoutWithoutBackCheck;

    public SagaMachine(Backoff backoff) {
        this(backoff, EngineOptions.DEFAULT_PREPARED_LIFETIME_MS, java.util.Set.of());
    }

    /**
     * @param preparedLifetimeMs how long a prepared saga without {@code timeout_to_fail} waits for its submit
     * @param mutants            deliberate bugs, for the simulator only (see {@link EngineMutant})
     */
    SagaMachine(Backoff backoff, long preparedLifetimeMs, java.util.Set<EngineMutant> mutants) {
        this.backoff = backoff;
        this.preparedLifetimeMs = preparedLifetimeMs;
        this.skipFailedStepCompensation = mutants.contains(EngineMutant.SKIP_FAILED_STEP_COMPENSATION);
        this.tccTimeoutWithoutCancel = mutants.contains(EngineMutant.TCC_TIMEOUT_WITHOUT_CANCEL);
        this.msgTimeoutWithoutBackCheck = mutants.contains(EngineMutant.MSG_TIMEOUT_WITHOUT_BACK_CHECK);
    }

    /**
     * What to do next.
     *
     * @param inFlight calls started and not yet answered; never started again, and no state change is final
     *                 while any is in flight (the driver awaits them first)
     */
    public Plan plan(SagaDefinition def, TransStatus status, SagaProgress p, long createdAt, long now,
            Set<BranchCall> inFlight) {
        return switch (status) {
            case SUCCEEDED, FAILED -> new Plan.Done();
            case PREPARED -> def.type() == TransType.MSG ? planBackCheck(def, p, createdAt, now, inFlight)
                    : planPrepared(def, createdAt, now);
            case SUBMITTED -> switch (def.type()) {
                case SAGA -> planForward(def, p, createdAt, now, inFlight);
                case TCC -> planConfirm(def, p, now, inFlight);
                case MSG -> planDeliver(def, p, createdAt, now, inFlight);
                case XA -> planInOrder(def, p, false, now, inFlight);
            };
            case ABORTING -> def.type() == TransType.XA ? planInOrder(def, p, true, now, inFlight)
                    : planBackward(def, p, now, inFlight);
        };
    }

    /** The progress once {@code call} has been started (its effect may exist from now on). */
    public SagaProgress started(SagaProgress p, BranchCall call) {
        BranchState b = p.branch(call);
        if (b.phase() != Phase.PENDING) {
            return p;
        }
        return p.with(call, new BranchState(Phase.ATTEMPTED, b.attempts(), b.notBefore(), b.lastError(),
                b.answeredAt()));
    }

    /** The progress once {@code call} has been answered with {@code outcome}. */
    public SagaProgress answered(SagaDefinition def, SagaProgress p, BranchCall call, Outcome outcome,
            String detail, long now) {
        BranchState b = p.branch(call);
        int attempts = b.attempts() + 1;
        long interval = def.options().retryIntervalMs();
        BranchState next = switch (outcome) {
            case SUCCESS -> new BranchState(Phase.SUCCEEDED, attempts, 0, null, now);
            case FAILURE -> call.compensating() || (def.type() != TransType.SAGA && !call.isQueryPrepared())
                    // a compensation, a TCC confirm and a message's branch must eventually succeed: FAILURE is retried
                    ? new BranchState(Phase.ATTEMPTED, attempts, now + backoff.delay(interval, attempts), detail, now)
                    : new BranchState(Phase.FAILED, attempts, 0, detail, now);
            case ONGOING -> new BranchState(Phase.ATTEMPTED, attempts, now + interval, detail, now);
            case TRANSIENT -> new BranchState(Phase.ATTEMPTED, attempts, now + backoff.delay(interval, attempts),
                    detail, now);
        };
        return p.with(call, next);
    }

    /**
     * The progress once {@code call} came back unsent after waiting for its destination: not an attempt (nothing
     * was done anywhere, so no retry limit is used up and the backoff does not grow), tried again after the plain
     * retry interval.
     */
    public SagaProgress unsent(SagaDefinition def, SagaProgress p, BranchCall call, String detail, long now) {
        BranchState b = p.branch(call);
        return p.with(call, new BranchState(b.phase(), b.attempts(), now + def.options().retryIntervalMs(), detail,
                b.answeredAt()));
    }

    private Plan planPrepared(SagaDefinition def, long createdAt, long now) {
        long timeout = def.options().timeoutToFailMs() > 0 ? def.options().timeoutToFailMs() : preparedLifetimeMs;
        long deadline = createdAt + timeout;
        if (def.type().registersBranches() && !tccTimeoutWithoutCancel) {
            // the client may have called tries that were never confirmed: cancel every registered branch
            return now >= deadline ? new Plan.Abort("Timeout after " + timeout / 1000 + " seconds")
                    : new Plan.Wait(deadline);
        }
        return now >= deadline
                ? new Plan.Finish(TransStatus.FAILED, def.options().timeoutToFailMs() > 0
                        ? "prepared but not submitted within timeout_to_fail"
                        : "prepared but not submitted within the server's --prepared-lifetime")
                : new Plan.Wait(deadline);
    }

    /** A prepared message: once its timeout passed, ask its query_prepared until it says yes or no. */
    private Plan planBackCheck(SagaDefinition def, SagaProgress p, long createdAt, long now,
            Set<BranchCall> inFlight) {
        long deadline = createdAt + def.options().timeoutToFailMs();
        if (now < deadline) {
            return new Plan.Wait(deadline);
        }
        if (msgTimeoutWithoutBackCheck) {
            return new Plan.Submit(); // EngineMutant: sent without asking
        }
        BranchState q = p.branch(BranchCall.QUERY_PREPARED);
        return switch (q.phase()) {
            case SUCCEEDED -> new Plan.Submit();
            case FAILED -> new Plan.Finish(TransStatus.FAILED, "query_prepared answered FAILURE: the local "
                    + "transaction did not commit, so the message is not sent");
            case PENDING, ATTEMPTED -> inFlight.contains(BranchCall.QUERY_PREPARED) ? new Plan.Wait(Long.MAX_VALUE)
                    : q.notBefore() <= now ? new Plan.Call(List.of(BranchCall.QUERY_PREPARED))
                    : new Plan.Wait(q.notBefore());
        };
    }

    /** A submitted message: after its delay, every action until it succeeds; nothing fails it. */
    private static Plan planDeliver(SagaDefinition def, SagaProgress p, long createdAt, long now,
            Set<BranchCall> inFlight) {
        long notBefore = createdAt + def.options().delayMs();
        if (now < notBefore) {
            return new Plan.Wait(notBefore);
        }
        List<Integer> candidates = nextActions(def, p);
        return candidates.isEmpty() ? new Plan.Finish(TransStatus.SUCCEEDED, null)
                : callOrWait(candidates, false, p, now, Long.MAX_VALUE, inFlight);
    }

    private Plan planForward(SagaDefinition def, SagaProgress p, long createdAt, long now, Set<BranchCall> inFlight) {
        SagaOptions o = def.options();
        boolean allSucceeded = true;
        for (int i = 0; i < def.size(); i++) {
            BranchState a = p.actions().get(i);
            if (a.phase() == Phase.FAILED) {
                return new Plan.Abort("action of branch " + def.steps().get(i).branchId() + " failed: "
                        + a.lastError());
            }
            if (o.retryLimit() > 0 && !a.isSucceeded() && a.attempts() > o.retryLimit()
                    && !inFlight.contains(new BranchCall(i, false))) {
                // DTM's words first (its tests compare them), then what the operator needs: which branch, and why
                return new Plan.Abort("RetryCount is greater than RetryLimit, RetryLimit: " + o.retryLimit()
                        + "; branch " + def.steps().get(i).branchId() + " last answered: " + a.lastError());
            }
            allSucceeded &= a.isSucceeded();
        }
        if (allSucceeded) {
            return new Plan.Finish(TransStatus.SUCCEEDED, null);
        }
        long deadline = o.timeoutToFailMs() > 0 ? createdAt + o.timeoutToFailMs() : Long.MAX_VALUE;
        if (now >= deadline) {
            return new Plan.Abort("Timeout after " + o.timeoutToFailMs() / 1000 + " seconds"); // DTM's words
        }
        return callOrWait(nextActions(def, p), false, p, now, deadline, inFlight);
    }

    /** The actions that may run now: the first unfinished one, or (concurrent) each whose predecessors succeeded. */
    private static List<Integer> nextActions(SagaDefinition def, SagaProgress p) {
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

    /** A submitted TCC transaction: confirm every branch, the last registered first, one at a time (as DTM). */
    private static Plan planConfirm(SagaDefinition def, SagaProgress p, long now, Set<BranchCall> inFlight) {
        for (int i = def.size() - 1; i >= 0; i--) {
            if (!p.actions().get(i).isSucceeded()) {
                return callOrWait(List.of(i), false, p, now, Long.MAX_VALUE, inFlight);
            }
        }
        return new Plan.Finish(TransStatus.SUCCEEDED, null);
    }

    /** XA: every branch's commit (or rollback), in registration order, one at a time, each until it succeeds. */
    private static Plan planInOrder(SagaDefinition def, SagaProgress p, boolean rollback, long now,
            Set<BranchCall> inFlight) {
        for (int i = 0; i < def.size(); i++) {
            if (!p.branch(new BranchCall(i, rollback)).isSucceeded()) {
                return callOrWait(List.of(i), rollback, p, now, Long.MAX_VALUE, inFlight);
            }
        }
        return new Plan.Finish(rollback ? TransStatus.FAILED : TransStatus.SUCCEEDED, null);
    }

    private Plan planBackward(SagaDefinition def, SagaProgress p, long now, Set<BranchCall> inFlight) {
        int n = def.size();
        boolean[] done = new boolean[n];
        boolean allDone = true;
        for (int i = 0; i < n; i++) {
            done[i] = !needsCompensation(def, p, i) || p.compensations().get(i).isSucceeded();
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
        return callOrWait(candidates, true, p, now, Long.MAX_VALUE, inFlight);
    }

    /** An action that may have run must be undone; after a crash any action may have run. */
    private boolean needsCompensation(SagaDefinition def, SagaProgress p, int i) {
        if (!def.steps().get(i).hasCompensation()) {
            return false;
        }
        if (def.type() == TransType.TCC) {
            return true; // the client called the branch's try (or may have): cancel it, empty or not
        }
        if (skipFailedStepCompensation && p.actions().get(i).phase() == Phase.FAILED) {
            return false; // EngineMutant: the failed step's compensation is skipped
        }
        return p.uncertain() || p.actions().get(i).phase() != Phase.PENDING;
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

    private static Plan callOrWait(List<Integer> candidates, boolean compensating, SagaProgress p, long now,
            long deadline, Set<BranchCall> inFlight) {
        List<BranchCall> ready = new ArrayList<>();
        long earliest = deadline;
        for (int i : candidates) {
            BranchCall call = new BranchCall(i, compensating);
            if (inFlight.contains(call)) {
                continue;
            }
            long notBefore = p.branch(call).notBefore();
            if (notBefore <= now) {
                ready.add(call);
            } else {
                earliest = Math.min(earliest, notBefore);
            }
        }
        return ready.isEmpty() ? new Plan.Wait(earliest) : new Plan.Call(List.copyOf(ready));
    }
}
