package dev.redsaga.server.engine;

import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.engine.BranchState.Phase;
import dev.redsaga.server.engine.kind.Situation;
import dev.redsaga.server.engine.kind.TransactionKind;
import java.util.Set;

/**
 * The state machine of every transaction type: pure functions from (definition, status, progress, time, event) to a
 * new progress or to a {@link Plan}. No I/O, no clock, no threads: the driver feeds it and carries out its plans,
 * and a simulator can feed it anything.
 *
 * <p>What differs between types — the plan for each status, what a FAILURE answer means — is the transaction's
 * {@link TransactionKind}'s; what is shared is here: recording calls and answers, the backoff, and that nothing is
 * final (no abort, no end) while a call is in flight.
 */
public final class SagaMachine implements Planner {
    private final Backoff backoff;
    private final long preparedLifetimeMs;

    public SagaMachine(Backoff backoff) {
        this(backoff, EngineOptions.DEFAULT_PREPARED_LIFETIME_MS);
    }

    /** @param preparedLifetimeMs how long a prepared saga without {@code timeout_to_fail} waits for its submit */
    public SagaMachine(Backoff backoff, long preparedLifetimeMs) {
        this.backoff = backoff;
        this.preparedLifetimeMs = preparedLifetimeMs;
    }

    @Override
    public Plan plan(SagaDefinition def, TransStatus status, SagaProgress p, long createdAt, long now,
            Set<BranchCall> inFlight) {
        if (status.isTerminal()) {
            return new Plan.Done();
        }
        Plan plan = def.kind().plan(new Situation(def, status, p, createdAt, now, inFlight, preparedLifetimeMs));
        if ((plan instanceof Plan.Abort || plan instanceof Plan.Finish) && !inFlight.isEmpty()) {
            // no compensation may start, and nothing end, while a call is in flight: its answer steps again
            return new Plan.Wait(Long.MAX_VALUE);
        }
        return plan;
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
        return answered(def, p, call, outcome, detail, now, true);
    }

    /**
     * The progress once {@code call} came back with {@code outcome}: from the branch ({@code sent}), or from this
     * coordinator's own gate or policy, which never retries at once (the refusal would only come again).
     */
    public SagaProgress answered(SagaDefinition def, SagaProgress p, BranchCall call, Outcome outcome,
            String detail, long now, boolean sent) {
        BranchState b = p.branch(call);
        boolean atOnce = sent && def.kind().retriesAtOnce(def, call);
        int attempts = b.attempts() + 1;
        long interval = def.options().retryIntervalMs();
        BranchState next = switch (outcome) {
            case SUCCESS -> new BranchState(Phase.SUCCEEDED, attempts, 0, null, now);
            case FAILURE -> def.kind().failureEnds(call)
                    ? new BranchState(Phase.FAILED, attempts, 0, detail, now)
                    // a compensation, a TCC confirm, a message's branch must eventually succeed: FAILURE is retried
                    : new BranchState(Phase.ATTEMPTED, attempts, now + backoff.delay(interval, attempts), detail, now);
            // with a retry limit, a saga's action is tried again at once until the limit (DTM's rule)
            case ONGOING -> new BranchState(Phase.ATTEMPTED, attempts, atOnce ? now : now + interval, detail, now);
            case TRANSIENT -> new BranchState(Phase.ATTEMPTED, attempts,
                    atOnce ? now : now + backoff.delay(interval, attempts), detail, now);
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
}
