package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * DTM's saga tests (test/saga_test.go, saga_options_test.go, saga_concurrent_test.go), ported one by one: each test
 * is named after the Go test it follows and asserts what it asserts, over HTTP against the running coordinator.
 * Where redsaga answers otherwise on purpose the comment says so (docs/protocol.md, "Compatibility with DTM").
 */
class DtmSagaTestsPortIT extends DtmPortIT {

    /** TestSagaNormal. */
    @Test
    void sagaNormal() {
        String gid = unique("TestSagaNormal");
        assertThat(post("submit", genSaga(gid, "")).statusCode()).isEqualTo(200);
        awaitStatus(gid, "succeed");
        assertThat(getBranchesStatus(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
        assertThat(getTrans(gid).get("rollback_reason")).isNull();
    }

    /** TestSagaRollback: TransIn fails for want of balance; the reason is kept from DTM's {"error": ...} answer. */
    @Test
    void sagaRollback() {
        String gid = unique("TestSagaRollback");
        script(gid, "TransIn", INSUFFICIENT_BALANCE);
        assertThat(post("submit", genSaga(gid, "")).statusCode()).isEqualTo(200);
        awaitStatus(gid, "failed");
        assertThat(getBranchesStatus(gid)).containsExactly("succeed", "succeed", "succeed", "failed");
        assertThat(getTrans(gid).get("rollback_reason").asText()).contains("Insufficient balance");
    }

    /** TestSagaOngoingSucceed: TransOut answers ONGOING once; the saga waits, and the next cron finishes it. */
    @Test
    void sagaOngoingSucceed() {
        String gid = unique("TestSagaOngoingSucceed");
        script(gid, "TransOut", Answer.ONGOING);
        post("submit", genSaga(gid, NO_RETRY_BY_ITSELF));
        waitTransProcessed(gid);
        assertThat(getBranchesStatus(gid)).containsExactly("prepared", "prepared", "prepared", "prepared");
        assertThat(status(gid)).isEqualTo("submitted");
        cronTransOnce(gid, "succeed");
        assertThat(getBranchesStatus(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
        assertThat(getTrans(gid).get("rollback_reason")).isNull();
    }

    /** TestSagaFailed: TransIn fails, TransOut's revert errs once: aborting until the next cron, then failed. */
    @Test
    void sagaFailed() {
        String gid = unique("TestSagaFailed");
        script(gid, "TransIn", Answer.FAILURE);
        script(gid, "TransOutRevert", Answer.ERROR);
        assertThat(post("submit", genSaga(gid, NO_RETRY_BY_ITSELF)).statusCode()).isEqualTo(200);
        waitTransProcessed(gid);
        assertThat(status(gid)).isEqualTo("aborting");
        cronTransOnce(gid, "failed");
        assertThat(getBranchesStatus(gid)).containsExactly("succeed", "succeed", "succeed", "failed");
    }

    /**
     * TestSagaAbnormal: a submit sent again is ignored. DTM then refuses a submit of the succeeded saga; here it is a
     * 200, one of the three argued differences (a client that lost the first answer must not read "failed").
     */
    @Test
    void sagaAbnormal() {
        String gid = unique("TestSagaAbnormal");
        script(gid, "TransOut", Answer.ONGOING);
        assertThat(post("submit", genSaga(gid, "")).statusCode()).isEqualTo(200);
        waitTransProcessed(gid);
        assertThat(post("submit", genSaga(gid, "")).statusCode()).as("submit twice, ignored").isEqualTo(200);
        awaitStatus(gid, "succeed");
        assertThat(post("submit", genSaga(gid, "")).statusCode()).as("the argued difference").isEqualTo(200);
        assertThat(branches.trace(gid)).filteredOn(t -> t.endsWith("/TransIn action")).hasSize(1);
    }

    /** TestSagaEmptyUrl: an empty action is a success at once, an empty compensation is never called. */
    @Test
    void sagaEmptyUrl() {
        String gid = unique("TestSagaEmptyUrl");
        post("submit", "{\"gid\":\"" + gid + "\",\"trans_type\":\"saga\",\"steps\":[{\"action\":\""
                + busi(gid, "TransOut") + "\",\"compensate\":\"\"},{\"action\":\"\",\"compensate\":\"\"}],"
                + "\"payloads\":[\"{}\",\"{}\"]}");
        awaitStatus(gid, "succeed");
        assertThat(getBranchesStatus(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
        assertThat(branches.trace(gid)).containsExactly("/" + gid + "/TransOut action");
    }

    /** TestSagaOptionsRetryOngoing: one step answering ONGOING once succeeds at the next cron. */
    @Test
    void sagaOptionsRetryOngoing() {
        String gid = unique("TestSagaOptionsRetryOngoing");
        script(gid, "TransOut", Answer.ONGOING);
        post("submit", genSaga1(gid, NO_RETRY_BY_ITSELF));
        waitTransProcessed(gid);
        cronTransOnce(gid, "succeed");
        assertThat(getBranchesStatus(gid)).containsExactly("prepared", "succeed");
    }

    /** TestSagaOptionsRetryError: one step erring once is retried and succeeds. */
    @Test
    void sagaOptionsRetryError() {
        String gid = unique("TestSagaOptionsRetryError");
        script(gid, "TransOut", Answer.ERROR);
        post("submit", genSaga1(gid, NO_RETRY_BY_ITSELF));
        waitTransProcessed(gid);
        assertThat(status(gid)).isEqualTo("submitted");
        assertThat(getBranchesStatus(gid)).containsExactly("prepared", "prepared");
        cronTransOnce(gid, "succeed");
        assertThat(getBranchesStatus(gid)).containsExactly("prepared", "succeed");
    }

    /**
     * TestSagaOptionsTimeout: TransOut keeps answering ONGOING past timeout_to_fail: the saga aborts, TransOut (it was
     * called) is compensated, TransIn never ran; DTM's reason.
     */
    @Test
    void sagaOptionsTimeout() {
        String gid = unique("TestSagaOptionsTimeout");
        for (int i = 0; i < 50; i++) {
            script(gid, "TransOut", Answer.ONGOING);
        }
        post("submit", genSaga(gid, ",\"timeout_to_fail\":1,\"retry_interval\":1"));
        awaitStatus(gid, "failed");
        assertThat(getBranchesStatus(gid)).containsExactly("succeed", "prepared", "prepared", "prepared");
        assertThat(getTrans(gid).get("rollback_reason").asText()).matches("^Timeout after \\d+ seconds$");
    }

    /**
     * TestSagaGlobalTransWithRequestTimeout: TransOutTimeout answers after 4 s, longer than the coordinator's default
     * request timeout (3 s here); the saga's request_timeout of 6 s lets it finish, and the wait_result submit
     * answers SUCCESS.
     */
    @Test
    void sagaGlobalTransWithRequestTimeout() {
        String gid = unique("TestSagaGlobalTransWithRequestTimeout");
        script(gid, "TransOutTimeout", Answer.stall(4_000));
        HttpResponse<String> r = post("submit", "{\"gid\":\"" + gid + "\",\"trans_type\":\"saga\",\"steps\":"
                + "[{\"action\":\"" + busi(gid, "TransOutTimeout") + "\",\"compensate\":\"\"}],\"payloads\":[\"{}\"],"
                + "\"wait_result\":true,\"request_timeout\":6}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(branches.calls(gid)).as("answered in time, not retried").hasSize(1);
    }

    /** TestSagaOptionsNormalWait: with wait_result, the submit answers once the saga succeeded. */
    @Test
    void sagaOptionsNormalWait() {
        String gid = unique("TestSagaOptionsNormalWait");
        assertThat(post("submit", genSaga(gid, ",\"wait_result\":true")).statusCode()).isEqualTo(200);
        assertThat(getBranchesStatus(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
        assertThat(status(gid)).isEqualTo("succeed");
    }

    /**
     * TestSagaOptionsCommittedOngoingWait: with wait_result and TransOut answering ONGOING, the submit is an error
     * (here 425, DTM's 409: an error to DTM's clients either way) and the saga goes on to succeed.
     */
    @Test
    void sagaOptionsCommittedOngoingWait() {
        String gid = unique("TestSagaOptionsCommittedOngoingWait");
        script(gid, "TransOut", Answer.ONGOING);
        HttpResponse<String> r = post("submit", genSaga(gid, ",\"wait_result\":true" + NO_RETRY_BY_ITSELF));
        assertThat(r.statusCode()).isNotEqualTo(200);
        assertThat(getBranchesStatus(gid)).containsExactly("prepared", "prepared", "prepared", "prepared");
        assertThat(status(gid)).isEqualTo("submitted");
        cronTransOnce(gid, "succeed");
        assertThat(getBranchesStatus(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
    }

    /** TestSagaOptionsRollbackWait: with wait_result, the failed submit answers the business reason. */
    @Test
    void sagaOptionsRollbackWait() {
        String gid = unique("TestSagaOptionsRollbackWait");
        script(gid, "TransIn", INSUFFICIENT_BALANCE);
        HttpResponse<String> r = post("submit", genSaga(gid, ",\"wait_result\":true"));
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(r.body()).contains("Insufficient balance");
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(getBranchesStatus(gid)).containsExactly("succeed", "succeed", "succeed", "failed");
        assertThat(getTrans(gid).get("rollback_reason").asText()).contains("Insufficient balance");
    }

    /** TestSagaHeaders and TestSagaHeadersYes1: branch_headers reach the branch, on the first try and the next. */
    @Test
    void sagaHeaders() {
        String gid = unique("TestSagaHeadersYes1");
        script(gid, "TransOutHeaderYes", Answer.ONGOING);
        post("submit", "{\"gid\":\"" + gid + "\",\"trans_type\":\"saga\",\"steps\":[{\"action\":\""
                + busi(gid, "TransOutHeaderYes") + "\",\"compensate\":\"\"}],\"payloads\":[\"{}\"],"
                + "\"branch_headers\":{\"test_header\":\"test\"}" + NO_RETRY_BY_ITSELF + "}");
        waitTransProcessed(gid);
        assertThat(status(gid)).isEqualTo("submitted");
        cronTransOnce(gid, "succeed");
        assertThat(branches.calls(gid)).hasSize(2).allSatisfy(c -> assertThat(c.headers())
                .hasEntrySatisfying("Test_header", v -> assertThat(v).containsExactly("test")));
    }

    /**
     * TestSagaGlobalTransWithRetryLimitYes: TransInRetry errs three times, then succeeds; with retry_limit 3 it is
     * retried at once within the pass, so the wait_result submit answers SUCCESS.
     */
    @Test
    void sagaGlobalTransWithRetryLimitYes() {
        String gid = unique("TestSagaGlobalTransWithRetryLimitYes");
        script(gid, "TransInRetry", Answer.ERROR, Answer.ERROR, Answer.ERROR);
        HttpResponse<String> r = post("submit", genSagaRetry(gid, ",\"wait_result\":true,\"retry_limit\":3"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        awaitStatus(gid, "succeed");
        assertThat(getBranchesStatus(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
    }

    /** TestSagaGlobalTransWithRetryLimitNo: retry_limit 1 is spent; the saga fails with DTM's exact reason. */
    @Test
    void sagaGlobalTransWithRetryLimitNo() {
        String gid = unique("TestSagaGlobalTransWithRetryLimitNo");
        script(gid, "TransInRetry", Answer.ERROR, Answer.ERROR, Answer.ERROR);
        HttpResponse<String> r = post("submit", genSagaRetry(gid, ",\"wait_result\":true,\"retry_limit\":1"));
        assertThat(r.statusCode()).as(r.body()).isNotEqualTo(200);
        awaitStatus(gid, "failed");
        assertThat(getBranchesStatus(gid)).containsExactly("succeed", "succeed", "succeed", "prepared");
        assertThat(getTrans(gid).get("rollback_reason").asText())
                .isEqualTo("RetryCount is greater than RetryLimit, RetryLimit: 1");
    }

    /** TestSagaConNormal. */
    @Test
    void sagaConNormal() {
        String gid = unique("TestSagaConNormal");
        post("submit", genSaga(gid, ",\"concurrent\":true"));
        awaitStatus(gid, "succeed");
        assertThat(getBranchesStatus(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
    }

    /** TestSagaConRollbackNormal: TransOut fails, its revert answers ONGOING once: aborting, then failed. */
    @Test
    void sagaConRollbackNormal() {
        String gid = unique("TestSagaConRollbackNormal");
        script(gid, "TransOut", Answer.FAILURE);
        script(gid, "TransOutRevert", Answer.ONGOING);
        assertThat(post("submit", genSaga(gid, ",\"concurrent\":true" + NO_RETRY_BY_ITSELF)).statusCode())
                .isEqualTo(200);
        Await.until(Duration.ofSeconds(20), gid + " waiting in aborting", () -> "aborting".equals(status(gid))
                && branches.calls(gid).stream().anyMatch(c -> c.path().endsWith("/TransOutRevert")));
        waitTransProcessed(gid);
        assertThat(status(gid)).isEqualTo("aborting");
        cronTransOnce(gid, "failed");
    }

    /** TestSagaConRollbackOrder: TransIn after TransOut, TransOut fails: TransIn never runs nor is compensated. */
    @Test
    void sagaConRollbackOrder() {
        String gid = unique("TestSagaConRollbackOrder");
        script(gid, "TransOut", Answer.FAILURE);
        assertThat(post("submit", genSaga(gid, ",\"concurrent\":true,\"custom_data\":\"{\\\"orders\\\":{\\\"1\\\":"
                + "[0]}}\"")).statusCode()).isEqualTo(200);
        awaitStatus(gid, "failed");
        assertThat(getBranchesStatus(gid)).containsExactly("succeed", "failed", "prepared", "prepared");
    }

    /** TestSagaConRollbackOrder2: TransIn after TransOut, TransIn fails: both compensated. */
    @Test
    void sagaConRollbackOrder2() {
        String gid = unique("TestSagaConRollbackOrder2");
        script(gid, "TransIn", Answer.FAILURE);
        assertThat(post("submit", genSaga(gid, ",\"concurrent\":true,\"custom_data\":\"{\\\"orders\\\":{\\\"1\\\":"
                + "[0]}}\"")).statusCode()).isEqualTo(200);
        awaitStatus(gid, "failed");
        assertThat(getBranchesStatus(gid)).containsExactly("succeed", "succeed", "succeed", "failed");
    }

    /** TestSagaConCommittedOngoing: TransOut ONGOING while TransIn succeeds; the next cron finishes it. */
    @Test
    void sagaConCommittedOngoing() {
        String gid = unique("TestSagaConCommittedOngoing");
        script(gid, "TransOut", Answer.ONGOING);
        post("submit", genSaga(gid, ",\"concurrent\":true" + NO_RETRY_BY_ITSELF));
        waitTransProcessed(gid);
        assertThat(getBranchesStatus(gid)).containsExactly("prepared", "prepared", "prepared", "succeed");
        assertThat(status(gid)).isEqualTo("submitted");
        cronTransOnce(gid, "succeed");
        assertThat(getBranchesStatus(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
    }

    /** DTM's genSaga1: TransOut alone. */
    private String genSaga1(String gid, String more) {
        return "{\"gid\":\"" + gid + "\",\"trans_type\":\"saga\",\"steps\":[{\"action\":\"" + busi(gid, "TransOut")
                + "\",\"compensate\":\"" + busi(gid, "TransOutRevert") + "\"}],\"payloads\":[\"{}\"]" + more + "}";
    }

    /** The retry-limit tests' saga: TransOut, then TransInRetry. */
    private String genSagaRetry(String gid, String more) {
        return genSaga(gid, more).replace(busi(gid, "TransIn") + "\"", busi(gid, "TransInRetry") + "\"");
    }
}
