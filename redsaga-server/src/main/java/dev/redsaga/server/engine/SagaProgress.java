package dev.redsaga.server.engine;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The engine's knowledge of a saga's branches, stored as JSON with each write.
 *
 * <p>Branch outcomes are written lazily, together with the next state change, so a happy saga costs two
 * store writes whatever its size. The price: after a crash the stored progress may be behind. That is
 * detected, not guessed: {@code releasedAt} is the version of the write that handed the transaction back
 * (-1 while an owner holds it). A claimer that finds {@code releasedAt != version - 1} knows an owner died
 * holding it, so any action may have run: the saga is then {@code uncertain} and an abort compensates every
 * step (empty compensations are no-ops by the barrier contract), and a re-drive re-runs actions that are not
 * recorded as succeeded (idempotent by the same contract).
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record SagaProgress(
        @JsonProperty("a") List<BranchState> actions,
        @JsonProperty("c") List<BranchState> compensations,
        @JsonProperty("u") boolean uncertain,
        @JsonProperty("r") long releasedAt,
        @JsonProperty("q") BranchState queryPrepared) {

    public static SagaProgress initial(int steps) {
        List<BranchState> a = Collections.nCopies(steps, BranchState.PENDING);
        return new SagaProgress(a, a, false, -1, null);
    }

    public SagaProgress {
        // a TCC transaction has no branches until they are registered: written without "a" and "c"
        actions = actions == null ? List.of() : List.copyOf(actions);
        compensations = compensations == null ? List.of() : List.copyOf(compensations);
        // queryPrepared stays null (and unwritten) until a message's query_prepared is asked
    }

    public BranchState branch(BranchCall call) {
        if (call.isQueryPrepared()) {
            return queryPrepared == null ? BranchState.PENDING : queryPrepared;
        }
        return call.compensating() ? compensations.get(call.step()) : actions.get(call.step());
    }

    public SagaProgress with(BranchCall call, BranchState state) {
        if (call.isQueryPrepared()) {
            return new SagaProgress(actions, compensations, uncertain, releasedAt, state);
        }
        List<BranchState> list = new ArrayList<>(call.compensating() ? compensations : actions);
        list.set(call.step(), state);
        return call.compensating()
                ? new SagaProgress(actions, list, uncertain, releasedAt, queryPrepared)
                : new SagaProgress(list, compensations, uncertain, releasedAt, queryPrepared);
    }

    /** This progress with one more step, never called (a TCC branch just registered). */
    public SagaProgress withStep() {
        List<BranchState> a = new ArrayList<>(actions);
        a.add(BranchState.PENDING);
        List<BranchState> c = new ArrayList<>(compensations);
        c.add(BranchState.PENDING);
        return new SagaProgress(a, c, uncertain, releasedAt, queryPrepared);
    }

    /** This progress with every branch's backoff forgotten: each may be called again at once. */
    public SagaProgress retryNow() {
        return new SagaProgress(dueNow(actions), dueNow(compensations), uncertain, releasedAt,
                queryPrepared == null ? null : dueNow(List.of(queryPrepared)).getFirst());
    }

    private static List<BranchState> dueNow(List<BranchState> states) {
        List<BranchState> out = new ArrayList<>(states.size());
        for (BranchState b : states) {
            out.add(b.notBefore() == 0 ? b : new BranchState(b.phase(), b.attempts(), 0, b.lastError(),
                    b.answeredAt()));
        }
        return out;
    }

    public SagaProgress asUncertain() {
        return uncertain ? this : new SagaProgress(actions, compensations, true, releasedAt, queryPrepared);
    }

    /** This progress as written by a holder that keeps the transaction ({@code releasedAt = -1}). */
    public SagaProgress held() {
        return releasedAt == -1 ? this : new SagaProgress(actions, compensations, uncertain, -1, queryPrepared);
    }

    /** This progress as written by the release write that produces record version {@code version}. */
    public SagaProgress releasedAt(long version) {
        return new SagaProgress(actions, compensations, uncertain, version, queryPrepared);
    }
}
