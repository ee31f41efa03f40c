package dev.redsaga.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.SagaStep;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.engine.BranchState.Phase;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The state machine alone: no clock, no I/O; time is a number the test moves. */
class SagaMachineTest {
    static final EngineOptions OPTIONS = EngineOptions.builder().retryCapMs(8_000).claimBatch(100)
            .maxConcurrentDrives(100).build();
    final SagaMachine machine = new SagaMachine(new Backoff(OPTIONS.retryCapMs(), new Random(42)));

    static SagaDefinition saga(int steps, Long timeoutToFail, Long retryLimit, boolean concurrent, String orders) {
        List<SagaStep> s = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            s.add(new SagaStep("http://127.0.0.1/a" + i, "http://127.0.0.1/u" + i));
        }
        return SagaDefinition.parse(new TransRequest("g1", "saga", s, null, null, timeoutToFail, null, null, retryLimit,
                null, concurrent ? Boolean.TRUE : null, orders), OPTIONS);
    }

    static BranchCall action(int i) {
        return new BranchCall(i, false);
    }

    static BranchCall undo(int i) {
        return new BranchCall(i, true);
    }

    SagaProgress answer(SagaDefinition d, SagaProgress p, BranchCall c, Outcome o, long now) {
        return machine.answered(d, machine.started(p, c), c, o, o == Outcome.SUCCESS ? null : o.name(), now);
    }

    Plan plan(SagaDefinition d, TransStatus s, SagaProgress p, long now) {
        return machine.plan(d, s, p, 0, now, Set.of());
    }

    @Test
    void sequentialSagaCallsActionsInOrderThenSucceeds() {
        SagaDefinition d = saga(3, null, null, false, null);
        SagaProgress p = SagaProgress.initial(3);
        for (int i = 0; i < 3; i++) {
            assertThat(plan(d, TransStatus.SUBMITTED, p, 0)).isEqualTo(new Plan.Call(List.of(action(i))));
            p = answer(d, p, action(i), Outcome.SUCCESS, 0);
        }
        assertThat(plan(d, TransStatus.SUBMITTED, p, 0)).isEqualTo(new Plan.Finish(TransStatus.SUCCEEDED, null));
    }

    @Test
    void actionFailureAbortsAndCompensatesAttemptedStepsInReverse() {
        SagaDefinition d = saga(4, null, null, false, null);
        SagaProgress p = SagaProgress.initial(4);
        p = answer(d, p, action(0), Outcome.SUCCESS, 0);
        p = answer(d, p, action(1), Outcome.SUCCESS, 0);
        p = answer(d, p, action(2), Outcome.FAILURE, 0);

        assertThat(plan(d, TransStatus.SUBMITTED, p, 0)).isInstanceOf(Plan.Abort.class);
        // step 3 never ran: not compensated; the failed step 2 is (empty compensation via the barrier)
        List<Integer> order = new ArrayList<>();
        Plan next;
        while ((next = plan(d, TransStatus.ABORTING, p, 0)) instanceof Plan.Call call) {
            BranchCall c = call.calls().getFirst();
            order.add(c.step());
            p = answer(d, p, c, Outcome.SUCCESS, 0);
        }
        assertThat(order).containsExactly(2, 1, 0);
        assertThat(next).isEqualTo(new Plan.Finish(TransStatus.FAILED, null));
    }

    @Test
    void uncertainProgressCompensatesEveryStep() {
        SagaDefinition d = saga(3, null, null, false, null);
        SagaProgress p = SagaProgress.initial(3).asUncertain();
        assertThat(plan(d, TransStatus.ABORTING, p, 0)).isEqualTo(new Plan.Call(List.of(undo(2))));
    }

    @Test
    void transientErrorBacksOffExponentiallyWithJitterUpToTheCap() {
        SagaDefinition d = saga(1, null, null, false, null);
        SagaProgress p = SagaProgress.initial(1);
        long previousMax = 0;
        for (int attempt = 1; attempt <= 8; attempt++) {
            p = answer(d, p, action(0), Outcome.TRANSIENT, 0);
            long delay = p.actions().getFirst().notBefore();
            long full = Math.min(8_000, 1_000L << (attempt - 1));
            assertThat(delay).as("attempt " + attempt).isBetween(full / 2, full);
            assertThat(plan(d, TransStatus.SUBMITTED, p, delay - 1)).isEqualTo(new Plan.Wait(delay));
            assertThat(plan(d, TransStatus.SUBMITTED, p, delay)).isEqualTo(new Plan.Call(List.of(action(0))));
            previousMax = Math.max(previousMax, delay);
        }
        assertThat(previousMax).isLessThanOrEqualTo(8_000);
    }

    @Test
    void aCallThatWaitedUnsentIsNoAttemptAndComesBackAfterThePlainInterval() {
        SagaDefinition d = saga(1, null, 2L, false, null); // retry_limit 2
        SagaProgress p = SagaProgress.initial(1);
        long now = 0;
        for (int i = 0; i < 10; i++) {
            p = machine.unsent(d, machine.started(p, action(0)), action(0), "not sent: waited", now);
            assertThat(p.actions().get(0).attempts()).isZero();
            assertThat(p.actions().get(0).notBefore()).isEqualTo(now + 1_000);
            assertThat(plan(d, TransStatus.SUBMITTED, p, now)).as("no retry used up")
                    .isEqualTo(new Plan.Wait(now + 1_000));
            now += 1_000;
        }
        assertThat(plan(d, TransStatus.SUBMITTED, p, now)).isEqualTo(new Plan.Call(List.of(action(0))));
    }

    @Test
    void ongoingKeepsTheIntervalWithoutGrowing() {
        SagaDefinition d = saga(1, null, null, false, null);
        SagaProgress p = SagaProgress.initial(1);
        for (int i = 0; i < 5; i++) {
            p = answer(d, p, action(0), Outcome.ONGOING, 10_000);
            assertThat(p.actions().getFirst().notBefore()).isEqualTo(11_000);
        }
    }

    @Test
    void retryLimitAbortsAfterThatManyRetries() {
        SagaDefinition d = saga(1, null, 2L, false, null);
        SagaProgress p = SagaProgress.initial(1);
        for (int i = 0; i < 2; i++) {
            p = answer(d, p, action(0), Outcome.TRANSIENT, 0);
            assertThat(plan(d, TransStatus.SUBMITTED, p, 100_000)).isInstanceOf(Plan.Call.class);
        }
        p = answer(d, p, action(0), Outcome.TRANSIENT, 0);
        assertThat(plan(d, TransStatus.SUBMITTED, p, 100_000)).isInstanceOf(Plan.Abort.class);
    }

    /**
     * DTM's TestSagaGlobalTransWithRetryLimitYes/No: with a retry limit, an action that did not finish is tried again
     * at once, in the same pass, not after a backoff; past the limit the saga aborts with DTM's exact words.
     */
    @Test
    void withARetryLimitAnActionIsRetriedAtOnceAndTheAbortReadsAsDtms() {
        SagaDefinition d = saga(1, null, 3L, false, null);
        SagaProgress p = SagaProgress.initial(1);
        for (int i = 0; i < 3; i++) {
            p = answer(d, p, action(0), i == 1 ? Outcome.ONGOING : Outcome.TRANSIENT, 5_000);
            assertThat(plan(d, TransStatus.SUBMITTED, p, 5_000)).as("retry " + (i + 1) + " at once")
                    .isEqualTo(new Plan.Call(List.of(action(0))));
        }
        p = answer(d, p, action(0), Outcome.TRANSIENT, 5_000);
        assertThat(plan(d, TransStatus.SUBMITTED, p, 5_000))
                .isEqualTo(new Plan.Abort("RetryCount is greater than RetryLimit, RetryLimit: 3"));
        SagaProgress undone = answer(d, SagaProgress.initial(1), undo(0), Outcome.TRANSIENT, 5_000);
        assertThat(undone.compensations().getFirst().notBefore()).as("a compensation backs off as ever")
                .isGreaterThan(5_000);
        // refused by the coordinator's own gate (an open circuit, a spent retry budget): asked again at once, it
        // would only be refused again, spending the limit without asking the branch anything
        SagaProgress refused = machine.answered(d, machine.started(SagaProgress.initial(1), action(0)), action(0),
                Outcome.TRANSIENT, "not sent: circuit open", 5_000, false);
        assertThat(refused.actions().getFirst().notBefore()).as("a refusal backs off").isGreaterThan(5_000);
    }

    @Test
    void timeoutToFailBoundsTheWaitThenAborts() {
        SagaDefinition d = saga(1, 5L, null, false, null);
        SagaProgress p = answer(d, SagaProgress.initial(1), action(0), Outcome.ONGOING, 4_500);
        assertThat(plan(d, TransStatus.SUBMITTED, p, 4_600)).isEqualTo(new Plan.Wait(5_000));
        assertThat(plan(d, TransStatus.SUBMITTED, p, 5_000)).isInstanceOf(Plan.Abort.class);
    }

    @Test
    void compensationFailureIsRetriedNeverFinal() {
        SagaDefinition d = saga(1, null, null, false, null);
        SagaProgress p = answer(d, SagaProgress.initial(1), action(0), Outcome.FAILURE, 0);
        for (int i = 0; i < 20; i++) {
            p = answer(d, p, undo(0), Outcome.FAILURE, 0);
            assertThat(p.compensations().getFirst().phase()).isEqualTo(Phase.ATTEMPTED);
            assertThat(plan(d, TransStatus.ABORTING, p, Long.MAX_VALUE / 2)).isEqualTo(new Plan.Call(List.of(undo(0))));
        }
    }

    @Test
    void concurrentSagaStartsIndependentStepsTogetherAndWaitsForPredecessors() {
        SagaDefinition d = saga(3, null, null, true, "{\"orders\":{\"2\":[0,1]},\"concurrent\":true}");
        SagaProgress p = SagaProgress.initial(3);
        assertThat(plan(d, TransStatus.SUBMITTED, p, 0)).isEqualTo(new Plan.Call(List.of(action(0), action(1))));
        p = answer(d, p, action(0), Outcome.SUCCESS, 0);
        assertThat(machine.plan(d, TransStatus.SUBMITTED, machine.started(p, action(1)), 0, 0, Set.of(action(1))))
                .isEqualTo(new Plan.Wait(Long.MAX_VALUE));
        p = answer(d, p, action(1), Outcome.SUCCESS, 0);
        assertThat(plan(d, TransStatus.SUBMITTED, p, 0)).isEqualTo(new Plan.Call(List.of(action(2))));
    }

    @Test
    void concurrentAbortUndoesDependentsBeforeTheirPredecessors() {
        SagaDefinition d = saga(3, null, null, true, "{\"orders\":{\"2\":[0,1]},\"concurrent\":true}");
        SagaProgress p = SagaProgress.initial(3);
        p = answer(d, p, action(0), Outcome.SUCCESS, 0);
        p = answer(d, p, action(1), Outcome.SUCCESS, 0);
        p = answer(d, p, action(2), Outcome.FAILURE, 0);
        assertThat(plan(d, TransStatus.ABORTING, p, 0)).isEqualTo(new Plan.Call(List.of(undo(2))));
        p = answer(d, p, undo(2), Outcome.SUCCESS, 0);
        assertThat(plan(d, TransStatus.ABORTING, p, 0)).isEqualTo(new Plan.Call(List.of(undo(1), undo(0))));
    }

    @Test
    void preparedSagaFailsOnlyAfterItsTimeout() {
        SagaDefinition d = saga(1, 10L, null, false, null);
        assertThat(plan(d, TransStatus.PREPARED, SagaProgress.initial(1), 9_999)).isEqualTo(new Plan.Wait(10_000));
        assertThat(plan(d, TransStatus.PREPARED, SagaProgress.initial(1), 10_000)).isInstanceOf(Plan.Finish.class);
    }

    @Test
    void progressSurvivesItsJsonForm() {
        SagaDefinition d = saga(2, null, null, false, null);
        SagaProgress p = answer(d, SagaProgress.initial(2), action(0), Outcome.TRANSIENT, 7).asUncertain().releasedAt(5);
        assertThat(ProgressCodec.decode(ProgressCodec.encode(p))).isEqualTo(p);
    }

    // --- TCC: the branches are registered while prepared; confirms and cancels are retried until they succeed ---

    static SagaDefinition tcc(int branches, Long timeoutToFail) {
        SagaDefinition d = SagaDefinition.parse(new TransRequest("t1", "tcc", null, null, null, timeoutToFail, null,
                null, null, null, null, null), OPTIONS);
        for (int i = 0; i < branches; i++) {
            d = d.withBranch(SagaDefinition.branchId(i), "http://127.0.0.1/confirm" + i,
                    "http://127.0.0.1/cancel" + i, "{}");
        }
        return d;
    }

    @Test
    void tccConfirmsEveryBranchLastRegisteredFirstRetryingAFailedConfirm() {
        SagaDefinition d = tcc(3, null);
        SagaProgress p = SagaProgress.initial(3);
        assertThat(d.kind().op(action(0)).wire()).isEqualTo("confirm");
        assertThat(plan(d, TransStatus.SUBMITTED, p, 0)).isEqualTo(new Plan.Call(List.of(action(2))));
        // a confirm's FAILURE is not a failed transaction: the try reserved what it confirms; it is retried
        p = answer(d, p, action(2), Outcome.FAILURE, 0);
        assertThat(p.actions().get(2).phase()).isEqualTo(Phase.ATTEMPTED);
        Plan retry = plan(d, TransStatus.SUBMITTED, p, 0);
        assertThat(retry).isInstanceOf(Plan.Wait.class);
        long later = ((Plan.Wait) retry).until();
        assertThat(plan(d, TransStatus.SUBMITTED, p, later)).isEqualTo(new Plan.Call(List.of(action(2))));
        p = answer(d, p, action(2), Outcome.SUCCESS, later);
        assertThat(plan(d, TransStatus.SUBMITTED, p, later)).isEqualTo(new Plan.Call(List.of(action(1))));
        p = answer(d, p, action(1), Outcome.SUCCESS, later);
        p = answer(d, p, action(0), Outcome.SUCCESS, later);
        assertThat(plan(d, TransStatus.SUBMITTED, p, later)).isEqualTo(new Plan.Finish(TransStatus.SUCCEEDED, null));
    }

    @Test
    void tccAbortCancelsEveryRegisteredBranchLastFirstWhetherOrNotItsTryRan() {
        SagaDefinition d = tcc(3, null);
        SagaProgress p = SagaProgress.initial(3);
        List<Integer> order = new ArrayList<>();
        Plan next;
        while ((next = plan(d, TransStatus.ABORTING, p, 0)) instanceof Plan.Call call) {
            BranchCall c = call.calls().getFirst();
            assertThat(c.compensating()).isTrue();
            assertThat(d.kind().op(c).wire()).isEqualTo("cancel");
            order.add(c.step());
            p = answer(d, p, c, order.size() == 1 ? Outcome.FAILURE : Outcome.SUCCESS, 0);
            if (order.size() == 1) {
                p = answer(d, p, c, Outcome.SUCCESS, 0); // the failed cancel, retried
            }
        }
        assertThat(order).containsExactly(2, 1, 0);
        assertThat(next).isEqualTo(new Plan.Finish(TransStatus.FAILED, null));
    }

    @Test
    void aPreparedTccPastItsTimeoutIsAbortedNotFailedTheTriesMayHaveRun() {
        SagaDefinition d = tcc(2, 5L);
        assertThat(machine.plan(d, TransStatus.PREPARED, SagaProgress.initial(2), 1_000, 5_999, Set.of()))
                .isEqualTo(new Plan.Wait(6_000));
        assertThat(machine.plan(d, TransStatus.PREPARED, SagaProgress.initial(2), 1_000, 6_000, Set.of()))
                .isEqualTo(new Plan.Abort("Timeout after 5 seconds"));
        // without a timeout of its own, DTM's 35 s: its tries hold what they reserved until confirmed or cancelled
        assertThat(tcc(0, null).options().timeoutToFailMs()).isEqualTo(35_000);
    }

    // --- XA: registered branches, commit and rollback in registration order ---

    @Test
    void xaCommitsAndRollsBackInRegistrationOrderRetryingEach() {
        SagaDefinition d = SagaDefinition.parse(new TransRequest("x1", "xa", null, null, null, 5L, null, null, null,
                null, null, null), OPTIONS);
        for (int i = 0; i < 3; i++) {
            d = d.withBranch(SagaDefinition.branchId(i), "http://127.0.0.1/xa" + i, "http://127.0.0.1/xa" + i, "");
        }
        assertThat(d.kind().op(action(0)).wire()).isEqualTo("commit");
        assertThat(d.kind().op(undo(0)).wire()).isEqualTo("rollback");
        SagaProgress p = SagaProgress.initial(3);
        assertThat(plan(d, TransStatus.SUBMITTED, p, 0)).isEqualTo(new Plan.Call(List.of(action(0))));
        p = answer(d, p, action(0), Outcome.FAILURE, 0);
        assertThat(p.actions().get(0).phase()).as("a commit's FAILURE is retried").isEqualTo(Phase.ATTEMPTED);
        p = answer(d, p, action(0), Outcome.SUCCESS, 0);
        assertThat(plan(d, TransStatus.SUBMITTED, p, 0)).isEqualTo(new Plan.Call(List.of(action(1))));
        SagaProgress r = SagaProgress.initial(3);
        List<Integer> order = new ArrayList<>();
        Plan next;
        while ((next = plan(d, TransStatus.ABORTING, r, 0)) instanceof Plan.Call call) {
            order.add(call.calls().getFirst().step());
            r = answer(d, r, call.calls().getFirst(), Outcome.SUCCESS, 0);
        }
        assertThat(order).containsExactly(0, 1, 2);
        assertThat(next).isEqualTo(new Plan.Finish(TransStatus.FAILED, null));
        assertThat(machine.plan(d, TransStatus.PREPARED, SagaProgress.initial(3), 1_000, 6_000, Set.of()))
                .isEqualTo(new Plan.Abort("Timeout after 5 seconds"));
    }

    // --- messages: a back-check while prepared; every branch until it succeeds once submitted ---

    static SagaDefinition msg(int steps, boolean concurrent, String customData) {
        List<SagaStep> s = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            s.add(new SagaStep("http://127.0.0.1/m" + i, null));
        }
        return SagaDefinition.parse(new TransRequest("m1", "msg", s, null, null, 5L, null, null, null, null,
                concurrent ? Boolean.TRUE : null, customData, "http://127.0.0.1/qp"), OPTIONS);
    }

    @Test
    void aPreparedMessagePastItsTimeoutAsksItsBackCheckUntilItSaysYesOrNo() {
        SagaDefinition d = msg(2, false, null);
        BranchCall check = BranchCall.QUERY_PREPARED;
        assertThat(d.kind().op(check).wire()).isEqualTo("msg");
        SagaProgress p = SagaProgress.initial(2);
        assertThat(machine.plan(d, TransStatus.PREPARED, p, 1_000, 5_999, Set.of())).isEqualTo(new Plan.Wait(6_000));
        assertThat(machine.plan(d, TransStatus.PREPARED, p, 1_000, 6_000, Set.of()))
                .isEqualTo(new Plan.Call(List.of(check)));
        assertThat(machine.plan(d, TransStatus.PREPARED, machine.started(p, check), 1_000, 6_000, Set.of(check)))
                .as("in flight: wait for its answer").isEqualTo(new Plan.Wait(Long.MAX_VALUE));
        // ONGOING: asked again after the retry interval
        SagaProgress ongoing = answer(d, p, check, Outcome.ONGOING, 6_000);
        assertThat(machine.plan(d, TransStatus.PREPARED, ongoing, 1_000, 6_500, Set.of()))
                .isEqualTo(new Plan.Wait(7_000));
        assertThat(machine.plan(d, TransStatus.PREPARED, answer(d, ongoing, check, Outcome.SUCCESS, 7_000), 1_000,
                7_000, Set.of())).isEqualTo(new Plan.Submit());
        Plan no = machine.plan(d, TransStatus.PREPARED, answer(d, ongoing, check, Outcome.FAILURE, 7_000), 1_000,
                7_000, Set.of());
        assertThat(no).isInstanceOf(Plan.Finish.class);
        assertThat(((Plan.Finish) no).status()).isEqualTo(TransStatus.FAILED);
        assertThat(d.options().timeoutToFailMs()).isEqualTo(5_000);
        assertThat(msg(1, false, null).options().queryPrepared()).isEqualTo("http://127.0.0.1/qp");
    }

    @Test
    void aSubmittedMessageRetriesEveryBranchUntilItSucceedsAndNeverAborts() {
        SagaDefinition d = msg(2, false, null);
        SagaProgress p = SagaProgress.initial(2);
        assertThat(plan(d, TransStatus.SUBMITTED, p, 0)).isEqualTo(new Plan.Call(List.of(action(0))));
        p = answer(d, p, action(0), Outcome.FAILURE, 0);
        assertThat(p.actions().get(0).phase()).as("a message's FAILURE is retried").isEqualTo(Phase.ATTEMPTED);
        long later = ((Plan.Wait) plan(d, TransStatus.SUBMITTED, p, 0)).until();
        p = answer(d, p, action(0), Outcome.SUCCESS, later);
        assertThat(plan(d, TransStatus.SUBMITTED, p, later)).isEqualTo(new Plan.Call(List.of(action(1))));
        p = answer(d, p, action(1), Outcome.SUCCESS, later);
        assertThat(plan(d, TransStatus.SUBMITTED, p, later)).isEqualTo(new Plan.Finish(TransStatus.SUCCEEDED, null));
        // long past its timeout_to_fail, still delivering: only a prepared message times out
        assertThat(plan(d, TransStatus.SUBMITTED, SagaProgress.initial(2), 1_000_000))
                .isEqualTo(new Plan.Call(List.of(action(0))));
    }

    @Test
    void aDelayedMessageWaitsAndAConcurrentOneCallsEveryBranchAtOnce() {
        SagaDefinition delayed = msg(1, false, "{\"delay\":3}");
        assertThat(machine.plan(delayed, TransStatus.SUBMITTED, SagaProgress.initial(1), 1_000, 2_000, Set.of()))
                .isEqualTo(new Plan.Wait(4_000));
        assertThat(machine.plan(delayed, TransStatus.SUBMITTED, SagaProgress.initial(1), 1_000, 4_000, Set.of()))
                .isEqualTo(new Plan.Call(List.of(action(0))));
        SagaDefinition concurrent = msg(3, true, null);
        assertThat(plan(concurrent, TransStatus.SUBMITTED, SagaProgress.initial(3), 0))
                .isEqualTo(new Plan.Call(List.of(action(0), action(1), action(2))));
    }

    @Test
    void tccBranchesAreCheckedWhenRegisteredAndARetriedRegistrationChangesNothing() {
        SagaDefinition d = tcc(1, null);
        assertThat(d.withBranch("01", "http://127.0.0.1/confirm0", "http://127.0.0.1/cancel0", "{}")).isSameAs(d);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> d.withBranch("01", "http://127.0.0.1/other", "http://127.0.0.1/cancel0", "{}"))
                .hasMessageContaining("registered already with other URLs");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> d.withBranch("02", "ftp://127.0.0.1/x", "", "{}")).hasMessageContaining("confirm 'ftp");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> d.withBranch("a b", "http://127.0.0.1/x", "", "{}")).hasMessageContaining("branch_id 'a b'");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> saga(1, null, null, false, null)
                .withBranch("02", "http://127.0.0.1/x", "", "{}")).hasMessageContaining("only a tcc or xa transaction");
    }
}
