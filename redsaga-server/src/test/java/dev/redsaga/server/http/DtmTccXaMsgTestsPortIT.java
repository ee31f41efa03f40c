package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * DTM's TCC, XA and message tests (test/tcc_test.go, xa_test.go, msg_test.go, msg_options_test.go), ported one by
 * one and run over HTTP as DTM's clients run them: {@code TccGlobalTransaction} is prepare, then for each branch
 * registerBranch and the client's own call of its try, then submit (or, when a try failed, abort);
 * {@code XaGlobalTransaction} is prepare, each branch's local work and registration, then submit or abort. Each test
 * is named after the Go test it follows. The other message tests are in {@link MsgIT}, the topic ones in
 * {@link TopicIT}.
 */
class DtmTccXaMsgTestsPortIT extends DtmPortIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** The client's call of a branch's try (or an XA branch's local work): whether it succeeded. */
    private boolean callTry(String gid, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(busi(gid, path) + "?gid=" + gid
                + "&op=try")).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200;
    }

    private void prepare(String gid, String type, String more) {
        HttpResponse<String> r = post("prepare", "{\"gid\":\"" + gid + "\",\"trans_type\":\"" + type + "\"" + more
                + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private HttpResponse<String> registerTcc(String gid, String id, String branch) {
        return post("registerBranch", "{\"gid\":\"" + gid + "\",\"trans_type\":\"tcc\",\"branch_id\":\"" + id
                + "\",\"data\":\"{}\",\"confirm\":\"" + busi(gid, branch + "Confirm") + "\",\"cancel\":\""
                + busi(gid, branch + "Revert") + "\"}");
    }

    private HttpResponse<String> registerXa(String gid, String id, String branch) {
        return post("registerBranch", "{\"gid\":\"" + gid + "\",\"trans_type\":\"xa\",\"branch_id\":\"" + id
                + "\",\"url\":\"" + busi(gid, branch) + "\"}");
    }

    private HttpResponse<String> finish(String gid, String type, boolean ok) {
        return ok ? post("submit", "{\"gid\":\"" + gid + "\",\"trans_type\":\"" + type + "\"}")
                : post("abort", "{\"gid\":\"" + gid + "\",\"trans_type\":\"" + type
                        + "\",\"rollback_reason\":\"FAILURE: the try answered FAILURE\"}");
    }

    /** DTM's TccGlobalTransaction over TransOut and TransIn: whether every try succeeded. */
    private boolean tccTransOutIn(String gid, String more) throws Exception {
        prepare(gid, "tcc", more);
        assertThat(registerTcc(gid, "01", "TransOut").statusCode()).isEqualTo(200);
        if (!callTry(gid, "TransOut")) {
            return false;
        }
        assertThat(registerTcc(gid, "02", "TransIn").statusCode()).isEqualTo(200);
        return callTry(gid, "TransIn");
    }

    /** TestTccNormal. */
    @Test
    void tccNormal() throws Exception {
        String gid = unique("TestTccNormal");
        boolean ok = tccTransOutIn(gid, "");
        assertThat(ok).isTrue();
        assertThat(finish(gid, "tcc", ok).statusCode()).isEqualTo(200);
        awaitStatus(gid, "succeed");
        assertThat(getBranchesStatus(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
    }

    /**
     * TestTccRollback: TransIn's try fails, the client aborts; TransOut's cancel answers ONGOING once, so it is
     * aborting until the next cron; every registered branch cancelled, none confirmed; the client's reason kept.
     */
    @Test
    void tccRollback() throws Exception {
        String gid = unique("TestTccRollback");
        script(gid, "TransIn", Answer.FAILURE);
        script(gid, "TransOutRevert", Answer.ONGOING);
        boolean ok = tccTransOutIn(gid, NO_RETRY_BY_ITSELF);
        assertThat(ok).isFalse();
        assertThat(finish(gid, "tcc", ok).statusCode()).isEqualTo(200);
        Await.until(Duration.ofSeconds(20), gid + " waiting in aborting", () -> branches.calls(gid).stream()
                .anyMatch(c -> c.path().endsWith("/TransOutRevert")));
        waitTransProcessed(gid);
        assertThat(status(gid)).isEqualTo("aborting");
        cronTransOnce(gid, "failed");
        assertThat(getBranchesStatus(gid)).containsExactly("succeed", "prepared", "succeed", "prepared");
        assertThat(getTrans(gid).get("rollback_reason").asText()).contains("FAILURE");
    }

    /**
     * TestTccTimeout: the client is slow after TransOut's try; past its timeout the transaction is cancelled, and
     * TransIn can no longer be registered.
     */
    @Test
    void tccTimeout() throws Exception {
        String gid = unique("TestTccTimeout");
        prepare(gid, "tcc", ",\"timeout_to_fail\":1");
        assertThat(registerTcc(gid, "01", "TransOut").statusCode()).isEqualTo(200);
        assertThat(callTry(gid, "TransOut")).isTrue();
        awaitStatus(gid, "failed");
        assertThat(registerTcc(gid, "02", "TransIn").statusCode()).isEqualTo(409);
        assertThat(getTrans(gid).get("rollback_reason").asText()).matches("^Timeout after \\d+ seconds$");
        assertThat(getBranchesStatus(gid)).containsExactly("succeed", "prepared");
    }

    /** TestTccHeaders: the transaction's branch_headers reach its confirm. */
    @Test
    void tccHeaders() throws Exception {
        String gid = unique("TestTccHeaders");
        prepare(gid, "tcc", ",\"branch_headers\":{\"test_header\":\"test\"}");
        assertThat(registerTcc(gid, "01", "TransOutHeaderYes").statusCode()).isEqualTo(200);
        assertThat(finish(gid, "tcc", true).statusCode()).isEqualTo(200);
        awaitStatus(gid, "succeed");
        assertThat(getBranchesStatus(gid)).containsExactly("prepared", "succeed");
        assertThat(branches.calls(gid)).singleElement().satisfies(c -> assertThat(c.headers())
                .hasEntrySatisfying("Test_header", v -> assertThat(v).containsExactly("test")));
    }

    /** TestXaNormal: two branches registered after their local work; submit commits both. */
    @Test
    void xaNormal() {
        String gid = unique("TestXaNormal");
        prepare(gid, "xa", "");
        assertThat(registerXa(gid, "01", "TransOutXa").statusCode()).isEqualTo(200);
        assertThat(registerXa(gid, "02", "TransInXa").statusCode()).isEqualTo(200);
        assertThat(finish(gid, "xa", true).statusCode()).isEqualTo(200);
        awaitStatus(gid, "succeed");
        assertThat(getBranchesStatus(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
    }

    /** TestXaRollback: TransIn's local work fails before it registers; the abort rolls TransOut back. */
    @Test
    void xaRollback() {
        String gid = unique("TestXaRollback");
        prepare(gid, "xa", "");
        assertThat(registerXa(gid, "01", "TransOutXa").statusCode()).isEqualTo(200);
        assertThat(finish(gid, "xa", false).statusCode()).isEqualTo(200);
        awaitStatus(gid, "failed");
        assertThat(getBranchesStatus(gid)).containsExactly("succeed", "prepared");
        assertThat(branches.trace(gid)).containsExactly("/" + gid + "/TransOutXa rollback");
    }

    /** TestXaTimeout: no branch and no submit within the timeout: failed, DTM's reason, no branch. */
    @Test
    void xaTimeout() {
        String gid = unique("TestXaTimeout");
        prepare(gid, "xa", ",\"timeout_to_fail\":1");
        awaitStatus(gid, "failed");
        assertThat(getTrans(gid).get("rollback_reason").asText()).matches("^Timeout after \\d+ seconds$");
        assertThat(getBranchesStatus(gid)).isEmpty();
    }

    /** TestXaNotTimeout: a commit answering ONGOING once leaves it submitted until the next cron. */
    @Test
    void xaNotTimeout() {
        String gid = unique("TestXaNotTimeout");
        script(gid, "TransOutXa", Answer.ONGOING);
        prepare(gid, "xa", NO_RETRY_BY_ITSELF);
        assertThat(registerXa(gid, "01", "TransOutXa").statusCode()).isEqualTo(200);
        assertThat(finish(gid, "xa", true).statusCode()).isEqualTo(200);
        waitTransProcessed(gid);
        assertThat(status(gid)).isEqualTo("submitted");
        cronTransOnce(gid, "succeed");
    }

    /** TestMsgNormal: submitted without a prepare, sent to each branch. */
    @Test
    void msgNormal() {
        String gid = unique("TestMsgNormal");
        assertThat(post("submit", genMsg(gid, "")).statusCode()).isEqualTo(200);
        awaitStatus(gid, "succeed");
        assertThat(getBranchesStatus(gid)).containsExactly("succeed", "succeed");
    }

    /** TestMsgConcurrent. */
    @Test
    void msgConcurrent() {
        String gid = unique("TestMsgConcurrent");
        assertThat(post("submit", genMsg(gid, ",\"concurrent\":true")).statusCode()).isEqualTo(200);
        awaitStatus(gid, "succeed");
        assertThat(getBranchesStatus(gid)).containsExactly("succeed", "succeed");
    }

    /**
     * TestMsgTimeoutSuccess: prepared, never submitted; its back-check answers ONGOING, then SUCCESS; TransIn answers
     * ONGOING once; the message is sent.
     */
    @Test
    void msgTimeoutSuccess() {
        String gid = unique("TestMsgTimeoutSuccess");
        script(gid, "QueryPrepared", Answer.ONGOING);
        script(gid, "TransIn", Answer.ONGOING);
        assertThat(post("prepare", genMsg(gid, ",\"timeout_to_fail\":1,\"retry_interval\":1")).statusCode())
                .isEqualTo(200);
        assertThat(status(gid)).isEqualTo("prepared");
        awaitStatus(gid, "succeed");
        assertThat(getBranchesStatus(gid)).containsExactly("succeed", "succeed");
    }

    /** TestMsgOptionsTimeoutFailed: prepared, never submitted; its back-check answers FAILURE: failed, nothing sent. */
    @Test
    void msgOptionsTimeoutFailed() {
        String gid = unique("TestMsgOptionsTimeoutFailed");
        script(gid, "QueryPrepared", Answer.ONGOING, Answer.FAILURE);
        assertThat(post("prepare", genMsg(gid, ",\"timeout_to_fail\":1,\"retry_interval\":1")).statusCode())
                .isEqualTo(200);
        awaitStatus(gid, "failed");
        assertThat(getBranchesStatus(gid)).containsExactly("prepared", "prepared");
        assertThat(branches.trace(gid)).allMatch(t -> t.endsWith("/QueryPrepared msg"));
    }
}
