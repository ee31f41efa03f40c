package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.CoordinatorTest;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import dev.redsaga.server.testing.ScriptedBranches;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * XA over HTTP, the coordinator's side, as DTM's clients drive it (dtmcli's XaGlobalTransaction and
 * XaLocalTransaction): prepare, each branch registering its one URL once its XA transaction is prepared, then
 * submit (every branch called with op=commit) or abort (op=rollback), in registration order, each until it
 * succeeds; a prepared XA transaction past its timeout is rolled back (DTM's test/xa_test.go).
 */
class XaIT extends CoordinatorTest {

    static String xa(String gid, String more) {
        return "{\"gid\":\"" + gid + "\",\"trans_type\":\"xa\"" + more + "}";
    }

    /** As dtmcli's XaLocalTransaction registers a branch once its XA transaction is prepared. */
    HttpResponse<String> register(String route, String gid, String branchId, String url) {
        return api.post(route, "{\"gid\":\"" + gid + "\",\"trans_type\":\"xa\",\"branch_id\":\"" + branchId
                + "\",\"url\":\"" + url + "\"}");
    }

    @Test
    void submitCommitsEveryBranchInRegistrationOrderWithPost() throws Exception {
        String gid = "xa-ok-" + UUID.randomUUID();
        assertThat(api.post("prepare", xa(gid, "")).statusCode()).isEqualTo(200);
        assertThat(register("registerBranch", gid, "01", branches.url("/xa1")).statusCode()).isEqualTo(200);
        // the older clients' route name
        assertThat(register("registerXaBranch", gid, "02", branches.url("/xa2")).statusCode()).isEqualTo(200);
        branches.script("/xa1", Answer.ERROR); // a commit is retried until it succeeds

        HttpResponse<String> submit = api.post("submit", xa(gid, ",\"wait_result\":true"));
        assertThat(submit.statusCode()).as(submit.body()).isIn(200, 425);
        Await.until(Duration.ofSeconds(10), gid + " succeed", () -> "succeed".equals(status(gid)));
        assertThat(branches.trace(gid)).containsExactly("/xa1 commit", "/xa1 commit", "/xa2 commit");
        ScriptedBranches.Call commit = branches.calls(gid).getFirst();
        assertThat(commit.method()).as("XA's second phase is a POST, as DTM sends it").isEqualTo("POST");
        assertThat(commit.transType()).isEqualTo("xa");
        assertThat(commit.branchId()).isEqualTo("01");
        JsonNode q = coordinator.query(gid);
        assertThat(q.get("branches")).extracting(b -> b.get("op").asText() + " " + b.get("status").asText())
                .containsExactly("rollback prepared", "commit succeed", "rollback prepared", "commit succeed");
        assertThat(api.post("abort", xa(gid, "")).statusCode()).as("DTM: a submitted xa is not aborted")
                .isEqualTo(409);
    }

    @Test
    void abortRollsBackEveryRegisteredBranchAndKeepsTheReason() throws Exception {
        String gid = "xa-abort-" + UUID.randomUUID();
        api.post("prepare", xa(gid, ""));
        register("registerBranch", gid, "01", branches.url("/xr1"));
        register("registerBranch", gid, "02", branches.url("/xr2"));

        assertThat(api.post("abort", xa(gid, ",\"rollback_reason\":\"branch 03 failed\"")).statusCode())
                .isEqualTo(200);
        Await.until(Duration.ofSeconds(10), gid + " failed", () -> "failed".equals(status(gid)));
        assertThat(branches.trace(gid)).containsExactly("/xr1 rollback", "/xr2 rollback");
        assertThat(api.get("query?gid=" + gid).body()).contains("branch 03 failed");
        assertThat(api.post("submit", xa(gid, "")).statusCode()).isEqualTo(409);
    }

    /** DTM's TestXaTimeout: never submitted, it is rolled back after its timeout_to_fail. */
    @Test
    void anXaTransactionNeverSubmittedIsRolledBackAfterItsTimeout() throws Exception {
        String gid = "xa-timeout-" + UUID.randomUUID();
        api.post("prepare", xa(gid, ",\"timeout_to_fail\":1"));
        register("registerBranch", gid, "01", branches.url("/xt1"));
        Await.until(Duration.ofSeconds(10), gid + " failed", () -> "failed".equals(status(gid)));
        assertThat(branches.trace(gid)).containsExactly("/xt1 rollback");
        assertThat(api.get("query?gid=" + gid).body()).contains("Timeout after 1 seconds");
    }

    @Test
    void anXaBranchNeedsAUrlUnderTheBranchUrlRules() {
        String gid = "xa-bad-" + UUID.randomUUID();
        api.post("prepare", xa(gid, ""));
        HttpResponse<String> none = api.post("registerBranch", "{\"gid\":\"" + gid + "\",\"trans_type\":\"xa\","
                + "\"branch_id\":\"01\"}");
        assertThat(none.statusCode()).isEqualTo(400);
        assertThat(none.body()).contains("url is required");
        HttpResponse<String> metadata = register("registerBranch", gid, "01", "http://169.254.169.254/x");
        assertThat(metadata.statusCode()).isEqualTo(400);
        assertThat(metadata.body()).contains("url 'http://169.254.169.254");
        HttpResponse<String> steps = api.post("prepare", "{\"gid\":\"" + gid + "-2\",\"trans_type\":\"xa\",\"steps\":"
                + "[{\"action\":\"" + branches.url("/a") + "\"}]}");
        assertThat(steps.body()).contains("an xa transaction has no steps");
    }
}
