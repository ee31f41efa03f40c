package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redsaga.client.RedsagaClient;
import dev.redsaga.client.Tcc;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.CoordinatorTest;
import dev.redsaga.server.testing.ScriptedBranches;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * TCC on the wire, as DTM's clients speak it (prepare, registerBranch, submit or abort), and its edges: what may be
 * registered when, the branch URL rules, DTM's abort rule, and the timeout of a transaction never submitted.
 */
class TccIT extends CoordinatorTest {

    static String tcc(String gid, String more) {
        return "{\"gid\":\"" + gid + "\",\"trans_type\":\"tcc\"" + more + "}";
    }

    static String branch(String gid, String id, String confirm, String cancel) {
        return "{\"gid\":\"" + gid + "\",\"trans_type\":\"tcc\",\"branch_id\":\"" + id + "\",\"status\":\"prepared\","
                + "\"data\":\"{\\\"amount\\\":1}\",\"confirm\":\"" + confirm + "\",\"cancel\":\"" + cancel + "\"}";
    }

    @Test
    void registeredBranchesAreConfirmedOnSubmitAndRegisteringIsOnlyForAPreparedTcc() throws Exception {
        String gid = "tcc-ok-" + UUID.randomUUID();
        assertThat(post("registerBranch", branch(gid, "01", branches.url("/c"), branches.url("/x"))).statusCode())
                .as("nothing prepared").isEqualTo(404);
        assertThat(post("prepare", tcc(gid, "")).statusCode()).isEqualTo(200);
        assertThat(post("prepare", tcc(gid, "")).statusCode()).as("prepared again: a client's retry").isEqualTo(200);
        String b1 = branch(gid, "01", branches.url("/c1"), branches.url("/x1"));
        assertThat(post("registerBranch", b1).statusCode()).isEqualTo(200);
        assertThat(post("registerBranch", b1).statusCode()).as("registered again: a retry").isEqualTo(200);
        HttpResponse<String> other = post("registerBranch", branch(gid, "01", branches.url("/other"),
                branches.url("/x1")));
        assertThat(other.statusCode()).isEqualTo(400);
        assertThat(other.body()).contains("registered already with other URLs");
        // the older clients' route name
        assertThat(post("registerTccBranch", branch(gid, "02", branches.url("/c2"), "")).statusCode())
                .isEqualTo(200);
        // still released after each registration (written by the write that released it, the last one): a claim of
        // it is not taken for the recovery of an orphan
        var stored = coordinator.server().store().find(gid).orElseThrow();
        assertThat(dev.redsaga.server.engine.ProgressCodec.decode(stored.progress()).releasedAt())
                .isEqualTo(stored.version());

        HttpResponse<String> submit = post("submit", tcc(gid, ",\"wait_result\":true"));
        assertThat(submit.statusCode()).as(submit.body()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(branches.trace(gid)).containsExactly("/c2 confirm", "/c1 confirm");
        assertThat(post("submit", tcc(gid, ",\"wait_result\":true")).statusCode()).as("a submit sent again")
                .isEqualTo(200);

        HttpResponse<String> late = post("registerBranch", branch(gid, "03", branches.url("/c3"), ""));
        assertThat(late.statusCode()).isEqualTo(409);
        assertThat(late.body()).contains("no trans with gid: " + gid + " status: prepared found");
        HttpResponse<String> abort = post("abort", tcc(gid, ""));
        assertThat(abort.statusCode()).as("DTM: a submitted tcc is not aborted").isEqualTo(409);
    }

    @Test
    void confirmAndCancelUrlsFollowTheBranchUrlRules() throws Exception {
        String gid = "tcc-url-" + UUID.randomUUID();
        post("prepare", tcc(gid, ""));
        HttpResponse<String> metadata = post("registerBranch", branch(gid, "01", branches.url("/c"),
                "http://169.254.169.254/latest/meta-data"));
        assertThat(metadata.statusCode()).isEqualTo(400);
        assertThat(metadata.body()).contains("cancel 'http://169.254.169.254");
        HttpResponse<String> notHttp = post("registerBranch", branch(gid, "01", "ftp://127.0.0.1/c", ""));
        assertThat(notHttp.statusCode()).isEqualTo(400);
        assertThat(post("registerBranch", "{\"gid\":\"" + gid + "\",\"trans_type\":\"tcc\",\"branch_id\":\"a b\"}")
                .body()).contains("branch_id 'a b' is invalid");
        assertThat(query(gid).get("branches")).as("nothing registered").isEmpty();

        String saga = "saga-" + UUID.randomUUID();
        post("submit", "{\"gid\":\"" + saga + "\",\"trans_type\":\"saga\",\"steps\":[{\"action\":\""
                + branches.url("/a") + "\"}],\"wait_result\":true}");
        HttpResponse<String> onSaga = post("registerBranch", branch(saga, "01", branches.url("/c"), ""));
        assertThat(onSaga.statusCode()).isEqualTo(409);
        assertThat(onSaga.body()).contains("it is a saga");
        assertThat(post("prepare", "{\"gid\":\"" + gid + "\",\"trans_type\":\"tcc\",\"steps\":[{\"action\":\""
                + branches.url("/a") + "\"}]}").body()).contains("a tcc transaction has no steps");
    }

    @Test
    void anAbortCancelsEveryRegisteredBranchAndKeepsTheRollbackReason() throws Exception {
        String gid = "tcc-abort-" + UUID.randomUUID();
        post("prepare", tcc(gid, ""));
        post("registerBranch", branch(gid, "01", branches.url("/c1"), branches.url("/x1")));
        post("registerBranch", branch(gid, "02", branches.url("/c2"), branches.url("/x2")));

        assertThat(post("abort", tcc(gid, ",\"rollback_reason\":\"the try of 02 failed\"")).statusCode())
                .isEqualTo(200);
        Await.until(Duration.ofSeconds(10), gid + " cancelled", () -> "failed".equals(status(gid)));
        assertThat(branches.trace(gid)).containsExactly("/x2 cancel", "/x1 cancel");
        assertThat(query(gid).get("transaction").toString()).contains("the try of 02 failed");
        HttpResponse<String> submit = post("submit", tcc(gid, ""));
        assertThat(submit.statusCode()).isEqualTo(409);
        assertThat(submit.body()).contains("cannot be submitted");
    }

    /** DTM's rule: a TCC transaction still prepared after its timeout_to_fail is cancelled, branch by branch. */
    @Test
    void aTccNeverSubmittedIsCancelledAfterItsTimeout() throws Exception {
        String gid = "tcc-timeout-" + UUID.randomUUID();
        post("prepare", tcc(gid, ",\"timeout_to_fail\":1"));
        post("registerBranch", branch(gid, "01", branches.url("/c1"), branches.url("/x1")));

        Await.until(Duration.ofSeconds(10), gid + " cancelled after its timeout", () -> "failed".equals(status(gid)));
        assertThat(branches.trace(gid)).containsExactly("/x1 cancel");
        assertThat(query(gid).get("transaction").toString()).contains("Timeout after 1 seconds");
    }

    /** The SDK's TCC: the tries called in order, submit on success; on a refused try, abort and rethrow. */
    @Test
    void theSdkRunsATccTransactionAndAbortsItWhenATryIsRefused() throws Exception {
        RedsagaClient client = RedsagaClient.builder(coordinator.server().baseUrl()).build();
        String ok = "sdk-tcc-" + UUID.randomUUID();
        client.tcc(ok, t -> {
            assertThat(t.callBranch("{\"n\":1}", branches.url("/t1"), branches.url("/c1"), branches.url("/x1")))
                    .contains("SUCCESS");
            t.callBranch("{\"n\":2}", branches.url("/t2"), branches.url("/c2"), branches.url("/x2"));
        });
        Await.until(Duration.ofSeconds(10), ok + " confirmed", () -> "succeed".equals(status(ok)));
        assertThat(branches.trace(ok)).containsExactly("/t1 try", "/t2 try", "/c2 confirm", "/c1 confirm");
        assertThat(branches.calls(ok).get(1).branchId()).isEqualTo("02");
        assertThat(branches.calls(ok).get(1).body()).isEqualTo("{\"n\":2}");

        String refused = "sdk-tcc-refused-" + UUID.randomUUID();
        String t2 = "/t2-" + refused;
        branches.script(t2, ScriptedBranches.Answer.FAILURE);
        assertThatThrownBy(() -> client.tcc(refused, t -> {
            t.callBranch("{}", branches.url("/t1"), branches.url("/c1"), branches.url("/x1"));
            t.callBranch("{}", branches.url(t2), branches.url("/c2"), branches.url("/x2"));
            t.callBranch("{}", branches.url("/t3"), branches.url("/c3"), branches.url("/x3")); // never reached
        })).isInstanceOfSatisfying(Tcc.TryRefusedException.class, e -> {
            assertThat(e.branchId()).isEqualTo("02");
            assertThat(e.httpStatus()).isEqualTo(409);
        });
        Await.until(Duration.ofSeconds(10), refused + " cancelled", () -> "failed".equals(status(refused)));
        assertThat(branches.trace(refused)).containsExactly("/t1 try", t2 + " try", "/x2 cancel", "/x1 cancel");
        assertThat(query(refused).get("transaction").toString()).contains("answered HTTP 409");
    }

    /** The branches of one TCC transaction weigh at most what a saga's whole request may (--max-request-bytes). */
    @Test
    void theBranchesOfOneTransactionAreBoundedLikeASagasRequest() throws Exception {
        String gid = "tcc-big-" + UUID.randomUUID();
        post("prepare", tcc(gid, ""));
        String data = "x".repeat(600_000);
        String big = "{\"gid\":\"" + gid + "\",\"trans_type\":\"tcc\",\"branch_id\":\"%s\",\"data\":\"" + data
                + "\",\"confirm\":\"" + branches.url("/c") + "\",\"cancel\":\"\"}";
        assertThat(post("registerBranch", big.formatted("01")).statusCode()).isEqualTo(200);
        HttpResponse<String> second = post("registerBranch", big.formatted("02"));
        assertThat(second.statusCode()).isEqualTo(400);
        assertThat(second.body()).contains("at most 1048576 (the server's --max-request-bytes)");
        assertThat(query(gid).get("branches")).as("only the first").hasSize(2);
    }
}
