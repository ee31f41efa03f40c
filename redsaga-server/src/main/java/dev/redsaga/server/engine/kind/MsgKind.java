package dev.redsaga.server.engine.kind;

import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.protocol.TransType;
import dev.redsaga.server.engine.BranchCall;
import dev.redsaga.server.engine.BranchState;
import dev.redsaga.server.engine.CommandRefusedException;
import dev.redsaga.server.engine.InvalidTransactionException;
import dev.redsaga.server.engine.Plan;
import dev.redsaga.server.engine.SagaDefinition;
import dev.redsaga.server.engine.SagaOptions;
import java.util.List;

/**
 * A 2-phase message: actions only, never compensated. Prepared past its {@code timeout_to_fail} → ask its
 * {@code query_prepared} (the back-check): SUCCESS → {@code submitted}, FAILURE → {@code failed} (its local
 * transaction did not commit), ONGOING or no answer → ask again later. Submitted → after its delay, every action
 * (in order, or all at once when concurrent), each retried until it succeeds, a FAILURE too → {@code succeeded}.
 */
final class MsgKind implements TransactionKind {

    @Override
    public TransType type() {
        return TransType.MSG;
    }

    @Override
    public void checkStepCount(int steps) {
        if (steps == 0) {
            throw new InvalidTransactionException("steps is required: give at least one {\"action\":url}");
        }
    }

    @Override
    public boolean compensates() {
        return false;
    }

    @Override
    public boolean backChecked() {
        return true;
    }

    @Override
    public boolean sendsToTopics() {
        return true;
    }

    @Override
    public long defaultTimeoutToFailMs() {
        return SagaDefinition.DEFAULT_PREPARED_TIMEOUT_MS;
    }

    @Override
    public Registration registration() {
        return null;
    }

    @Override
    public void checkPrepare(SagaDefinition def) {
        if (def.options().queryPrepared().isEmpty()) {
            throw new InvalidTransactionException("query_prepared is required to prepare a msg: when the submit does "
                    + "not come, the coordinator asks it whether the local transaction committed");
        }
    }

    @Override
    public Plan plan(Situation s) {
        return switch (s.status()) {
            case PREPARED -> backCheck(s);
            case SUBMITTED -> deliver(s);
            case ABORTING -> Plans.backward(s, i -> Plans.mayHaveRun(s, i)); // no step has an undo: it just fails
            case SUCCEEDED, FAILED -> new Plan.Done();
        };
    }

    /** Prepared: once its timeout passed, ask its query_prepared until it says yes or no. */
    private static Plan backCheck(Situation s) {
        long deadline = s.createdAt() + s.def().options().timeoutToFailMs();
        if (s.now() < deadline) {
            return new Plan.Wait(deadline);
        }
        BranchState q = s.progress().branch(BranchCall.QUERY_PREPARED);
        return switch (q.phase()) {
            case SUCCEEDED -> new Plan.Submit();
            case FAILED -> new Plan.Finish(TransStatus.FAILED, "query_prepared answered FAILURE: the local "
                    + "transaction did not commit, so the message is not sent");
            case PENDING, ATTEMPTED -> s.inFlight().contains(BranchCall.QUERY_PREPARED) ? new Plan.Wait(Long.MAX_VALUE)
                    : q.notBefore() <= s.now() ? new Plan.Call(List.of(BranchCall.QUERY_PREPARED))
                    : new Plan.Wait(q.notBefore());
        };
    }

    /** Submitted: after its delay, every action until it succeeds; nothing fails it. */
    private static Plan deliver(Situation s) {
        long notBefore = s.createdAt() + s.def().options().delayMs();
        if (s.now() < notBefore) {
            return new Plan.Wait(notBefore);
        }
        List<Integer> candidates = Plans.nextActions(s.def(), s.progress());
        return candidates.isEmpty() ? new Plan.Finish(TransStatus.SUCCEEDED, null)
                : Plans.callOrWait(candidates, false, s, Long.MAX_VALUE);
    }

    @Override
    public boolean failureEnds(BranchCall call) {
        return call.isQueryPrepared(); // FAILURE there: the local transaction did not commit
    }

    @Override
    public BranchOp op(BranchCall call) {
        return call.isQueryPrepared() ? BranchOp.MSG : BranchOp.ACTION;
    }

    /**
     * DTM's clients send a message's options (delay, headers) with its submit: the same message — the same steps as
     * sent, whoever subscribed to its topics since — runs its stored branches with the submit's options, keeping
     * the stored {@code query_prepared} if the submit has none.
     */
    @Override
    public SagaDefinition resent(SagaDefinition stored, SagaDefinition sent) {
        if (!stored.sentSteps().equals(sent.sentSteps())) {
            throw new CommandRefusedException(CommandRefusedException.Reason.GID_TAKEN, "gid " + stored.gid()
                    + " already holds a message with other branches or payloads; use a new gid (GET "
                    + "/api/dtmsvr/newGid) for a new message");
        }
        SagaOptions o = sent.options();
        String queryPrepared = o.queryPrepared().isEmpty() ? stored.options().queryPrepared() : o.queryPrepared();
        return new SagaDefinition(sent.gid(), sent.type(), stored.steps(), new SagaOptions(
                o.timeoutToFailMs(), o.requestTimeoutMs(), o.retryIntervalMs(), o.retryLimit(), o.branchHeaders(),
                o.concurrent(), queryPrepared, o.delayMs(), o.traceParent(), o.traceState()),
                // the same steps: the submit's order of them; else the stored branches' (topics: no order)
                stored.steps().equals(sent.steps()) ? sent.predecessors() : stored.predecessors(),
                sent.customData());
    }

    @Override
    public String submittedAbortRefusal(String gid) {
        return "message " + gid + " is submitted: it calls every branch until it succeeds and cannot be aborted "
                + "(an operator's forceStop stops it)";
    }
}
