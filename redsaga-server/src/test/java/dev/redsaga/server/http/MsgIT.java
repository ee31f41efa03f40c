package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.CoordinatorTest;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import dev.redsaga.server.testing.ScriptedBranches;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * 2-phase messages on the wire, as DTM's clients send them (prepare with query_prepared, submit, abort), and the
 * behaviours DTM's own tests assert (test/msg_test.go, msg_options_test.go, msg_delay_test.go): branches called until
 * they succeed, the back-check of a message whose submit never came, the delay, and what a message may not be.
 */
class MsgIT extends CoordinatorTest {

    List<String> branchStatuses(String gid) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode b : query(gid).get("branches")) {
            out.add(b.get("op").asText() + " " + b.get("status").asText());
        }
        return out;
    }

    /** A message of two branches, /in and /out of {@code prefix}, as DTM's genMsg builds it. */
    String msg(String gid, String prefix, String more) {
        return "{\"gid\":\"" + gid + "\",\"trans_type\":\"msg\",\"steps\":[{\"action\":\"" + branches.url(prefix + "/out")
                + "\"},{\"action\":\"" + branches.url(prefix + "/in") + "\"}],\"payloads\":[\"{\\\"amount\\\":30}\","
                + "\"{\\\"amount\\\":30}\"],\"query_prepared\":\"" + branches.url(prefix + "/qp") + "\"" + more + "}";
    }

    @Test
    void aSubmittedMessageCallsEveryBranchInOrderUntilEachSucceeds() throws Exception {
        String gid = "msg-ok-" + UUID.randomUUID();
        // a message's branch never fails it: FAILURE and errors are retried like anything else
        branches.script("/m1/in", Answer.FAILURE, Answer.ERROR);
        HttpResponse<String> submit = post("submit", msg(gid, "/m1", ",\"retry_interval\":1,\"wait_result\":true"));
        assertThat(submit.statusCode()).as(submit.body()).isIn(200, 425);
        Await.until(Duration.ofSeconds(20), gid + " succeed", () -> "succeed".equals(status(gid)));
        assertThat(branches.trace(gid)).containsExactly("/m1/out action", "/m1/in action", "/m1/in action",
                "/m1/in action");
        ScriptedBranches.Call first = branches.calls(gid).get(0);
        assertThat(first.transType()).isEqualTo("msg");
        assertThat(first.branchId()).isEqualTo("01");
        assertThat(first.method()).isEqualTo("POST");
        assertThat(first.body()).isEqualTo("{\"amount\":30}");
        assertThat(branches.calls(gid).get(1).branchId()).isEqualTo("02");
        assertThat(branchStatuses(gid)).as("a message has no compensation branches")
                .containsExactly("action succeed", "action succeed");
        assertThat(query(gid).get("transaction").get("query_prepared").asText()).isEqualTo(branches.url("/m1/qp"));
    }

    @Test
    void aConcurrentMessageCallsItsBranchesAtOnce() throws Exception {
        String gid = "msg-cc-" + UUID.randomUUID();
        branches.script("/m2/out", Answer.stall(1_000));
        post("submit", msg(gid, "/m2", ",\"concurrent\":true"));
        Await.until(Duration.ofSeconds(10), gid + " succeed", () -> "succeed".equals(status(gid)));
        List<ScriptedBranches.Call> calls = branches.calls(gid);
        assertThat(calls).hasSize(2);
        assertThat(Math.abs(calls.get(1).receivedNanos() - calls.get(0).receivedNanos()))
                .as("the second branch did not wait for the first's answer").isLessThan(900_000_000L);
    }

    /** DTM's TestMsgAbnormal: prepare twice is fine, submit runs it, prepare after that is an error. */
    @Test
    void aPreparedMessageRunsOnSubmitAndCannotBePreparedAgainAfter() throws Exception {
        String gid = "msg-prep-" + UUID.randomUUID();
        assertThat(post("prepare", msg(gid, "/m3", "")).statusCode()).isEqualTo(200);
        assertThat(post("prepare", msg(gid, "/m3", "")).statusCode()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("prepared");
        assertThat(branchStatuses(gid)).containsExactly("action prepared", "action prepared");
        assertThat(branches.calls(gid)).as("nothing is called while prepared").isEmpty();
        // DTM's clients send the delay with the submit only: the same message with other options is still the same
        HttpResponse<String> submit = post("submit", msg(gid, "/m3", ",\"custom_data\":\"{\\\"delay\\\":1}\""));
        assertThat(submit.statusCode()).as(submit.body()).isEqualTo(200);
        Await.until(Duration.ofSeconds(10), gid + " succeed", () -> "succeed".equals(status(gid)));
        assertThat(post("prepare", msg(gid, "/m3", "")).statusCode()).isEqualTo(409);
        assertThat(post("submit", msg(gid, "/m3", "")).statusCode()).as("a submit sent again").isEqualTo(200);
        HttpResponse<String> other = post("submit", msg(gid, "/other", ""));
        assertThat(other.statusCode()).isEqualTo(400);
        assertThat(other.body()).contains("other branches or payloads");
        HttpResponse<String> abort = post("abort", "{\"gid\":\"" + gid + "\",\"trans_type\":\"msg\"}");
        assertThat(abort.statusCode()).isEqualTo(409);
    }

    /**
     * DTM's TestMsgTimeoutSuccess: a prepared message whose submit never came is asked its query_prepared after its
     * timeout — GET, branch 00, op msg — ONGOING asks again later, SUCCESS sends it.
     */
    @Test
    void aMessageWhoseSubmitNeverCameIsSentWhenItsBackCheckSaysCommitted() throws Exception {
        String gid = "msg-qp-ok-" + UUID.randomUUID();
        branches.script("/m4/qp", Answer.ONGOING);
        assertThat(post("prepare", msg(gid, "/m4", ",\"timeout_to_fail\":1,\"retry_interval\":1")).statusCode())
                .isEqualTo(200);
        Await.until(Duration.ofSeconds(20), gid + " succeed", () -> "succeed".equals(status(gid)));
        assertThat(branches.trace(gid)).containsExactly("/m4/qp msg", "/m4/qp msg", "/m4/out action",
                "/m4/in action");
        ScriptedBranches.Call check = branches.calls(gid).get(0);
        assertThat(check.method()).isEqualTo("GET");
        assertThat(check.branchId()).isEqualTo("00");
        assertThat(check.transType()).isEqualTo("msg");
        assertThat(check.body()).isEmpty();
    }

    /** DTM's TestMsgTimeoutFailed: query_prepared says FAILURE → failed, no branch is ever called. */
    @Test
    void aMessageWhoseBackCheckSaysRolledBackFailsWithoutCallingAnyBranch() throws Exception {
        String gid = "msg-qp-no-" + UUID.randomUUID();
        branches.script("/m5/qp", Answer.ERROR, Answer.FAILURE);
        post("prepare", msg(gid, "/m5", ",\"timeout_to_fail\":1,\"retry_interval\":1"));
        Await.until(Duration.ofSeconds(20), gid + " failed", () -> "failed".equals(status(gid)));
        assertThat(branches.trace(gid)).containsExactly("/m5/qp msg", "/m5/qp msg");
        assertThat(branchStatuses(gid)).containsExactly("action prepared", "action prepared");
        assertThat(query(gid).get("transaction").get("rollback_reason").asText())
                .contains("query_prepared answered FAILURE");
        Thread.sleep(500);
        assertThat(branches.calls(gid)).hasSize(2);
    }

    @Test
    void anAbortedPreparedMessageFailsAndIsNeverSent() throws Exception {
        String gid = "msg-abort-" + UUID.randomUUID();
        post("prepare", msg(gid, "/m6", ",\"timeout_to_fail\":1"));
        assertThat(post("abort", "{\"gid\":\"" + gid + "\",\"trans_type\":\"msg\"}").statusCode()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("failed");
        HttpResponse<String> submit = post("submit", msg(gid, "/m6", ""));
        assertThat(submit.statusCode()).isEqualTo(409);
        assertThat(submit.body()).contains("cannot be submitted");
        Thread.sleep(1_500); // past its timeout: no back-check either
        assertThat(branches.calls(gid)).isEmpty();
    }

    /** DTM's TestMsgDelayNormal: a delayed message's branches are called no sooner than its delay. */
    @Test
    void aDelayedMessageWaitsForItsDelay() throws Exception {
        String gid = "msg-delay-" + UUID.randomUUID();
        long before = System.nanoTime();
        post("submit", msg(gid, "/m7", ",\"custom_data\":\"{\\\"delay\\\":2}\""));
        assertThat(status(gid)).isEqualTo("submitted");
        Await.until(Duration.ofSeconds(10), gid + " succeed", () -> "succeed".equals(status(gid)));
        assertThat(branches.calls(gid).get(0).receivedNanos() - before).isGreaterThanOrEqualTo(1_900_000_000L);
    }

    @Test
    void whatAMessageMayNotBeIsAClearError() {
        String gid = "msg-bad-" + UUID.randomUUID();
        HttpResponse<String> noCheck = post("prepare", "{\"gid\":\"" + gid + "\",\"trans_type\":\"msg\",\"steps\":"
                + "[{\"action\":\"" + branches.url("/a") + "\"}]}");
        assertThat(noCheck.statusCode()).isEqualTo(400);
        assertThat(noCheck.body()).contains("query_prepared is required");
        HttpResponse<String> compensate = post("submit", "{\"gid\":\"" + gid + "\",\"trans_type\":\"msg\","
                + "\"steps\":[{\"action\":\"" + branches.url("/a") + "\",\"compensate\":\"" + branches.url("/c")
                + "\"}]}");
        assertThat(compensate.statusCode()).isEqualTo(400);
        assertThat(compensate.body()).contains("a msg has no compensation");
        HttpResponse<String> topic = post("submit", "{\"gid\":\"" + gid + "\",\"trans_type\":\"msg\","
                + "\"steps\":[{\"action\":\"topic://orders\"}]}");
        assertThat(topic.statusCode()).isEqualTo(400);
        assertThat(topic.body()).as("DTM's words").contains("topic not found");
        HttpResponse<String> metadata = post("prepare", "{\"gid\":\"" + gid + "\",\"trans_type\":\"msg\","
                + "\"steps\":[{\"action\":\"" + branches.url("/a") + "\"}],"
                + "\"query_prepared\":\"http://169.254.169.254/latest\"}");
        assertThat(metadata.statusCode()).isEqualTo(400);
        assertThat(metadata.body()).contains("query_prepared 'http://169.254.169.254");
        HttpResponse<String> delayOnSaga = post("submit", "{\"gid\":\"" + gid + "\",\"trans_type\":\"saga\","
                + "\"steps\":[{\"action\":\"" + branches.url("/a") + "\"}],\"custom_data\":\"{\\\"delay\\\":3}\"}");
        assertThat(delayOnSaga.statusCode()).isEqualTo(400);
        assertThat(delayOnSaga.body()).contains("delay is only meaningful for a msg");
        assertThat(status(gid)).as("nothing stored").isNull();
    }

    /**
     * DTM's clients send a message's options with the submit, query_prepared among them: the submit's branch_headers
     * and delay are what the message runs with (they were dropped, the prepare's kept, whenever the submit carried
     * query_prepared — which DTM's clients always send).
     */
    @Test
    void theSubmitsOptionsAreWhatAPreparedMessageRunsWith() throws Exception {
        String gid = "msg-options-" + UUID.randomUUID();
        assertThat(post("prepare", msg(gid, "/m9", "")).statusCode()).isEqualTo(200);
        long before = System.nanoTime();
        HttpResponse<String> submit = post("submit", msg(gid, "/m9",
                ",\"branch_headers\":{\"X-Tenant\":\"t1\"},\"custom_data\":\"{\\\"delay\\\":2}\""));
        assertThat(submit.statusCode()).as(submit.body()).isEqualTo(200);
        Await.until(Duration.ofSeconds(10), gid + " succeed", () -> "succeed".equals(status(gid)));
        ScriptedBranches.Call first = branches.calls(gid).get(0);
        assertThat(first.receivedNanos() - before).as("the submit's delay").isGreaterThanOrEqualTo(1_900_000_000L);
        assertThat(first.headers().get("X-tenant")).as("the submit's branch_headers: " + first.headers())
                .containsExactly("t1");
    }
}
