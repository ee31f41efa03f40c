package dev.redsaga.server.engine.kind;

import dev.redsaga.server.engine.BranchCall;
import dev.redsaga.server.engine.Plan;
import dev.redsaga.server.engine.SagaDefinition;

/**
 * What the types whose branches are registered one by one while they are prepared (TCC, XA) share: no steps with
 * the submit, DTM's 35 s default timeout, every branch retried until it succeeds, and — since the client may have
 * run branches the coordinator never saw — a prepared one past its timeout aborts and undoes every registered
 * branch. Each subclass says the rest: its registration fields, its order, its ops.
 */
abstract class RegisteredBranchesKind implements TransactionKind {
    private final Registration registration;

    RegisteredBranchesKind(Registration registration) {
        this.registration = registration;
    }

    @Override
    public final boolean compensates() {
        return true;
    }

    @Override
    public final boolean backChecked() {
        return false;
    }

    @Override
    public final long defaultTimeoutToFailMs() {
        return SagaDefinition.DEFAULT_PREPARED_TIMEOUT_MS;
    }

    @Override
    public final Registration registration() {
        return registration;
    }

    @Override
    public final Plan plan(Situation s) {
        return switch (s.status()) {
            // the client may have run branches that were never confirmed (committed): undo every registered one
            case PREPARED -> Plans.expire(s, true);
            case SUBMITTED -> planSubmitted(s);
            case ABORTING -> planAborting(s);
            case SUCCEEDED, FAILED -> new Plan.Done();
        };
    }

    /** Submitted: every branch's op, in this type's order, each until it succeeds. */
    abstract Plan planSubmitted(Situation s);

    /** Aborting: every registered branch's undo, in this type's order, each until it succeeds. */
    abstract Plan planAborting(Situation s);

    @Override
    public final boolean failureEnds(BranchCall call) {
        return false; // what the branch reserved (prepared) must be confirmed (committed) or undone
    }

    @Override
    public final SagaDefinition resent(SagaDefinition stored, SagaDefinition sent) {
        return stored; // its branches are registered since: the same gid of the same type is the same prepare again
    }
}
