package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redsaga.client.RedsagaClient;
import dev.redsaga.client.RedsagaException;
import dev.redsaga.client.Saga;
import dev.redsaga.client.SubmitResult;
import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.BranchStatus;
import dev.redsaga.protocol.QueryReply;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.ScriptedBranches;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The saga scenarios of the coordinator-core issue, end to end: SDK → HTTP → engine → real HTTP branches. */
class SagaScenarioIT {
    static RedsagaServer server;
    static ScriptedBranches branches;
    static RedsagaClient client;

    @BeforeAll
    static void start() throws Exception {
        // short retry base and request timeout keep the scenarios fast; the logic is the production one
        EngineOptions engine = EngineOptions.builder().defaultRequestTimeoutMs(1_000).defaultRetryIntervalMs(50)
                .retryCapMs(400).leaseMs(5_000).claimBatch(100).pollIntervalMs(100).maxConcurrentDrives(256).build();
        server = RedsagaServer.start(ServerConfig.builder().port(0).store("h2:mem:scenario-" + UUID.randomUUID())
                .engine(engine).maxRequestBytes(64 * 1024).instanceId("it-" + UUID.randomUUID()).build());
        branches = new ScriptedBranches();
        client = RedsagaClient.builder(server.baseUrl()).build();
    }

    @AfterAll
    static void stop() {
        branches.close();
        server.close();
    }

    private Saga threeSteps(String gid) {
        return client.saga(gid)
                .step(branches.url("/" + gid + "/a"), branches.url("/" + gid + "/a-undo"), "{\"step\":1}")
                .step(branches.url("/" + gid + "/b"), branches.url("/" + gid + "/b-undo"), "{\"step\":2}")
                .step(branches.url("/" + gid + "/c"), branches.url("/" + gid + "/c-undo"), "{\"step\":3}");
    }

    private String path(String gid, String p) {
        return "/" + gid + "/" + p;
    }

    private QueryReply awaitStatus(String gid, TransStatus status) {
        Await.until(Duration.ofSeconds(15), gid + " to be " + status.wire(),
                () -> client.query(gid).transaction().status() == status);
        return client.query(gid);
    }

    @Test
    void allStepsSucceed() {
        String gid = client.newGid();
        assertThat(threeSteps(gid).waitResult().submit()).isEqualTo(SubmitResult.SUCCESS);

        assertThat(branches.trace(gid)).containsExactly(
                path(gid, "a") + " action", path(gid, "b") + " action", path(gid, "c") + " action");
        ScriptedBranches.Call first = branches.calls(gid).getFirst();
        assertThat(first.branchId()).isEqualTo("01");
        assertThat(first.transType()).isEqualTo("saga");
        assertThat(first.body()).isEqualTo("{\"step\":1}");
        assertThat(first.headers().get("Content-type")).containsExactly("application/json");
        QueryReply q = client.query(gid);
        assertThat(q.transaction().status()).isEqualTo(TransStatus.SUCCEEDED);
        assertThat(q.branches()).filteredOn(b -> b.op() == BranchOp.ACTION)
                .extracting(b -> b.status()).containsOnly(BranchStatus.SUCCEEDED);
    }

    @Test
    void failingSecondActionCompensatesInReverseOrder() {
        String gid = client.newGid();
        branches.script(path(gid, "b"), Answer.FAILURE);

        assertThat(threeSteps(gid).waitResult().submit()).isEqualTo(SubmitResult.FAILURE);

        // the failed action is compensated too (the barrier makes that an empty compensation); c never ran
        assertThat(branches.trace(gid)).containsExactly(
                path(gid, "a") + " action", path(gid, "b") + " action",
                path(gid, "b-undo") + " compensate", path(gid, "a-undo") + " compensate");
        QueryReply q = client.query(gid);
        assertThat(q.transaction().status()).isEqualTo(TransStatus.FAILED);
        assertThat(q.transaction().rollbackReason()).contains("branch 02").contains("failed");
    }

    @Test
    void transientErrorsAreRetriedUntilSuccess() {
        String gid = client.newGid();
        branches.script(path(gid, "a"), Answer.ERROR, Answer.ERROR, Answer.ERROR);

        threeSteps(gid).submit();

        awaitStatus(gid, TransStatus.SUCCEEDED);
        assertThat(branches.trace(gid)).containsExactly(
                path(gid, "a") + " action", path(gid, "a") + " action", path(gid, "a") + " action",
                path(gid, "a") + " action", path(gid, "b") + " action", path(gid, "c") + " action");
    }

    @Test
    void ongoingIsAskedAgainUntilDone() {
        String gid = client.newGid();
        branches.script(path(gid, "b"), Answer.ONGOING, Answer.ONGOING);

        threeSteps(gid).submit();

        awaitStatus(gid, TransStatus.SUCCEEDED);
        assertThat(branches.trace(gid)).filteredOn(t -> t.startsWith(path(gid, "b") + " ")).hasSize(3);
    }

    @Test
    void timedOutActionIsRetried() {
        String gid = client.newGid();
        branches.script(path(gid, "a"), Answer.stall(1_500));

        threeSteps(gid).submit();

        awaitStatus(gid, TransStatus.SUCCEEDED);
        assertThat(branches.trace(gid)).filteredOn(t -> t.startsWith(path(gid, "a") + " ")).hasSize(2);
    }

    @Test
    void failingCompensationIsRetriedUntilItSucceeds() {
        String gid = client.newGid();
        branches.script(path(gid, "c"), Answer.FAILURE);
        branches.script(path(gid, "a-undo"), Answer.FAILURE, Answer.ERROR, Answer.FAILURE);

        threeSteps(gid).submit();

        awaitStatus(gid, TransStatus.FAILED);
        List<String> trace = branches.trace(gid);
        assertThat(trace).filteredOn(t -> t.startsWith(path(gid, "a-undo"))).hasSize(4);
        assertThat(trace.subList(3, 5)).containsExactly(path(gid, "c-undo") + " compensate",
                path(gid, "b-undo") + " compensate");
    }

    @Test
    void retryLimitAbortsTheSaga() {
        String gid = client.newGid();
        branches.script(path(gid, "b"), Answer.ERROR, Answer.ERROR, Answer.ERROR, Answer.ERROR);

        threeSteps(gid).retryLimit(2).submit();

        QueryReply q = awaitStatus(gid, TransStatus.FAILED);
        assertThat(branches.trace(gid)).filteredOn(t -> t.startsWith(path(gid, "b") + " ")).hasSize(3);
        assertThat(q.transaction().rollbackReason()).isEqualTo("RetryCount is greater than RetryLimit, RetryLimit: 2");
        assertThat(q.branches()).filteredOn(b -> b.branchId().equals("02") && b.op() == BranchOp.ACTION)
                .singleElement().satisfies(b -> assertThat(b.lastError()).contains("HTTP 500"));
        assertThat(branches.trace(gid)).endsWith(path(gid, "b-undo") + " compensate", path(gid, "a-undo") + " compensate");
    }

    @Test
    void timeoutToFailAbortsAnUnfinishedSaga() {
        String gid = client.newGid();
        for (int i = 0; i < 40; i++) {
            branches.script(path(gid, "b"), Answer.ONGOING);
        }

        threeSteps(gid).timeoutToFail(Duration.ofSeconds(1)).retryInterval(Duration.ofSeconds(1)).submit();

        QueryReply q = awaitStatus(gid, TransStatus.FAILED);
        assertThat(q.transaction().rollbackReason()).isEqualTo("Timeout after 1 seconds");
        assertThat(branches.trace(gid)).endsWith(path(gid, "b-undo") + " compensate", path(gid, "a-undo") + " compensate");
        assertThat(branches.trace(gid)).doesNotContain(path(gid, "c") + " action");
    }

    @Test
    void concurrentSagaRespectsDependencies() {
        String gid = client.newGid();
        branches.script(path(gid, "a"), Answer.stall(1_500));
        Saga saga = client.saga(gid)
                .step(branches.url(path(gid, "a")), branches.url(path(gid, "a-undo")), "{}")
                .step(branches.url(path(gid, "b")), branches.url(path(gid, "b-undo")), "{}")
                .step(branches.url(path(gid, "c")), branches.url(path(gid, "c-undo")), "{}")
                .concurrent()
                .dependsOn(2, 0, 1)
                .requestTimeout(Duration.ofSeconds(5)); // a's stall is no timeout

        assertThat(saga.waitResult().submit()).isEqualTo(SubmitResult.SUCCESS);

        List<ScriptedBranches.Call> calls = branches.calls(gid);
        assertThat(calls).hasSize(3);
        long a = arrival(calls, path(gid, "a"));
        long b = arrival(calls, path(gid, "b"));
        long c = arrival(calls, path(gid, "c"));
        // b does not wait for the slow a (1.5 s; a margin wide enough for a loaded box, where 300 ms against a bound
        // of 250 was not); c waits for both
        assertThat(Math.abs(b - a)).isLessThan(Duration.ofMillis(1_000).toNanos());
        assertThat(c - a).isGreaterThanOrEqualTo(Duration.ofMillis(1_500).toNanos());
        assertThat(c).isGreaterThan(b);
    }

    private static long arrival(List<ScriptedBranches.Call> calls, String path) {
        return calls.stream().filter(x -> x.path().equals(path)).findFirst().orElseThrow().receivedNanos();
    }

    @Test
    void concurrentSagaCompensatesInReverseDependencyOrder() {
        String gid = client.newGid();
        branches.script(path(gid, "c"), Answer.FAILURE);
        Saga saga = client.saga(gid)
                .step(branches.url(path(gid, "a")), branches.url(path(gid, "a-undo")), "{}")
                .step(branches.url(path(gid, "b")), branches.url(path(gid, "b-undo")), "{}")
                .step(branches.url(path(gid, "c")), branches.url(path(gid, "c-undo")), "{}")
                .concurrent()
                .dependsOn(1, 0)
                .dependsOn(2, 1);

        assertThat(saga.waitResult().submit()).isEqualTo(SubmitResult.FAILURE);

        assertThat(branches.trace(gid)).containsExactly(
                path(gid, "a") + " action", path(gid, "b") + " action", path(gid, "c") + " action",
                path(gid, "c-undo") + " compensate", path(gid, "b-undo") + " compensate",
                path(gid, "a-undo") + " compensate");
    }

    @Test
    void resubmittingTheSameSagaRunsItOnce() {
        String gid = client.newGid();
        Saga saga = threeSteps(gid).waitResult();
        assertThat(saga.submit()).isEqualTo(SubmitResult.SUCCESS);
        assertThat(saga.submit()).isEqualTo(SubmitResult.SUCCESS);

        assertThat(branches.calls(gid)).hasSize(3);
    }

    @Test
    void resubmittingAGidWithADifferentBodyIsRefused() {
        String gid = client.newGid();
        threeSteps(gid).waitResult().submit();

        Saga other = client.saga(gid).step(branches.url("/other"), branches.url("/other-undo"), "{}");
        assertThatThrownBy(other::submit)
                .isInstanceOf(RedsagaException.class)
                .hasMessageContaining("already holds a different transaction")
                .satisfies(e -> assertThat(((RedsagaException) e).httpStatus()).isEqualTo(400));
    }

    @Test
    void abortingARunningSagaCompensatesIt() {
        String gid = client.newGid();
        for (int i = 0; i < 100; i++) {
            branches.script(path(gid, "b"), Answer.ONGOING);
        }
        threeSteps(gid).retryInterval(Duration.ofSeconds(1)).submit();
        Await.until(Duration.ofSeconds(5), "b called", () -> branches.trace(gid).contains(path(gid, "b") + " action"));

        client.abort(gid);

        awaitStatus(gid, TransStatus.FAILED);
        // after an abort the engine cannot know what ran: every step is compensated, in reverse
        assertThat(branches.trace(gid)).endsWith(path(gid, "c-undo") + " compensate",
                path(gid, "b-undo") + " compensate", path(gid, "a-undo") + " compensate");
    }

    /**
     * An operator's abort of a running saga whose action is in flight: the abort fences the holder at once, but no
     * compensation is sent before that call has had its deadline (compensating while the action may still commit is
     * safe only behind the barrier). Before, the compensation went out 70 ms after the abort, mid-action.
     */
    @Test
    void anAbortCompensatesOnlyAfterTheActionInFlightHadItsDeadline() {
        String gid = client.newGid();
        branches.script(path(gid, "b"), Answer.stall(800));
        threeSteps(gid).submit();
        Await.until(Duration.ofSeconds(5), "b called", () -> branches.trace(gid).contains(path(gid, "b") + " action"));

        client.abort(gid);

        awaitStatus(gid, TransStatus.FAILED);
        ScriptedBranches.Call action = branches.calls(gid).stream().filter(c -> c.path().equals(path(gid, "b")))
                .findFirst().orElseThrow();
        ScriptedBranches.Call undo = branches.calls(gid).stream().filter(c -> c.path().equals(path(gid, "b-undo")))
                .findFirst().orElseThrow();
        assertThat(Duration.ofNanos(undo.receivedNanos() - action.receivedNanos()))
                .as("b's compensation after b's answer").isGreaterThanOrEqualTo(Duration.ofMillis(800));
        assertThat(branches.trace(gid)).endsWith(path(gid, "c-undo") + " compensate",
                path(gid, "b-undo") + " compensate", path(gid, "a-undo") + " compensate");
    }

    @Test
    void preparedSagaRunsOnlyAfterSubmit() {
        String gid = client.newGid();
        Saga saga = threeSteps(gid);
        saga.prepare();
        assertThat(client.query(gid).transaction().status()).isEqualTo(TransStatus.PREPARED);
        assertThat(branches.calls(gid)).isEmpty();

        assertThat(saga.waitResult().submit()).isEqualTo(SubmitResult.SUCCESS);
        assertThat(branches.calls(gid)).hasSize(3);
    }

    @Test
    void forceStopMarksAStuckSagaFailedWithoutCallingBranches() {
        String gid = client.newGid();
        for (int i = 0; i < 100; i++) {
            branches.script(path(gid, "a"), Answer.ONGOING);
        }
        threeSteps(gid).retryInterval(Duration.ofSeconds(1)).submit();
        Await.until(Duration.ofSeconds(5), "a called", () -> !branches.calls(gid).isEmpty());

        client.forceStop(gid);

        QueryReply q = client.query(gid);
        assertThat(q.transaction().status()).isEqualTo(TransStatus.FAILED);
        assertThat(q.transaction().rollbackReason()).contains("forceStop");
        assertThat(branches.trace(gid)).noneMatch(t -> t.endsWith("compensate"));
    }

    /** The deadline lets a service drop work its caller gave up on; it is the request timeout from the send. */
    @Test
    void everyCallCarriesItsDeadline() {
        String gid = client.newGid();
        long before = System.currentTimeMillis();
        threeSteps(gid).requestTimeout(Duration.ofSeconds(7)).waitResult().submit();
        long after = System.currentTimeMillis();

        assertThat(branches.calls(gid)).hasSize(3).allSatisfy(c -> {
            List<String> deadline = c.headers().get("Redsaga-deadline");
            assertThat(deadline).hasSize(1);
            assertThat(Long.parseLong(deadline.getFirst())).isBetween(before + 7_000, after + 7_000);
        });
    }

    @Test
    void branchHeadersAreSentWithEveryCall() {
        String gid = client.newGid();
        threeSteps(gid).branchHeader("X-Tenant", "blue").waitResult().submit();

        assertThat(branches.calls(gid)).allSatisfy(c -> assertThat(c.headers().get("X-tenant")).containsExactly("blue"));
    }

    @Test
    void listPagesThroughTransactionsByStatus() {
        String gid = client.newGid();
        threeSteps(gid).waitResult().submit();

        var page = client.list("succeed", null, 1000);
        assertThat(page.transactions()).extracting(t -> t.gid()).contains(gid);
        assertThat(page.transactions()).allSatisfy(t -> assertThat(t.status()).isEqualTo(TransStatus.SUCCEEDED));
        var first = client.list(null, null, 1);
        assertThat(first.transactions()).hasSize(1);
        assertThat(first.hasNext()).isTrue();
        var second = client.list(null, first.nextPosition(), 1);
        assertThat(second.transactions().getFirst().gid()).isNotEqualTo(first.transactions().getFirst().gid());
    }
}
