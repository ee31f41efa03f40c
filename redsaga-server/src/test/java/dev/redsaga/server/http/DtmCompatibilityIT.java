package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redsaga.protocol.WireJson;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.ScriptedBranches;
import dev.redsaga.server.testing.RawApi;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The details DTM's clients and admin UI rely on, each as DTM's own server answers it (read from its source:
 * dtmsvr/api_http.go, dtmutil/utils.go, dtmsvr/storage/sql/sql.go), sent by hand as they send it.
 */
class DtmCompatibilityIT {
    static RedsagaServer server;
    static ScriptedBranches branches;
    static RawApi api;

    @BeforeAll
    static void start() throws Exception {
        server = RedsagaServer.start(ServerConfig.builder().port(0).store("h2:mem:dtm-" + UUID.randomUUID())
                .maxRequestBytes(4096).instanceId("it-" + UUID.randomUUID()).build());
        branches = new ScriptedBranches();
        api = new RawApi(server.baseUrl());
    }

    @AfterAll
    static void stop() {
        branches.close();
        server.close();
    }

    static HttpResponse<String> send(String method, String path, String body) {
        return api.send(method, path, body);
    }

    static JsonNode get(String routeAndQuery) throws Exception {
        HttpResponse<String> r = send("GET", "/api/dtmsvr/" + routeAndQuery, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return WireJson.mapper().readTree(r.body());
    }

    static String status(String gid) {
        try {
            JsonNode t = get("query?gid=" + gid).get("transaction");
            return t.isNull() ? null : t.get("status").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    void submit(String gid, String transType) throws Exception {
        String body = """
                {"gid":"%s","trans_type":"%s","steps":[{"action":"%s"}],"payloads":["{}"],"wait_result":true}"""
                .formatted(gid, transType, branches.url("/ok"));
        HttpResponse<String> r = send("POST", "/api/dtmsvr/submit", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    @Test
    void pingAnswersPongToAnyMethodWithoutAToken() throws Exception {
        for (String method : new String[] {"GET", "POST", "HEAD"}) {
            HttpResponse<String> r = send(method, "/api/ping", null);
            assertThat(r.statusCode()).as(method).isEqualTo(200);
            if (!method.equals("HEAD")) {
                assertThat(r.body()).isEqualTo("{\"msg\":\"pong\"}");
            }
        }
    }

    @Test
    void versionIsThisBuilds() throws Exception {
        JsonNode v = get("version");
        assertThat(v.get("version").asText()).isEqualTo(RedsagaServer.version()).isNotEqualTo("unknown")
                .matches("\\d+\\.\\d+\\.\\d+.*");
    }

    @Test
    void queryOfAnUnknownGidIsAnEmptyResultNotAnError() throws Exception {
        HttpResponse<String> r = send("GET", "/api/dtmsvr/query?gid=nobody-has-this", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"transaction\":null,\"branches\":[]}");
    }

    @Test
    void allHonoursGidTypeAndCreationTimeAndEndsWithAnEmptyPosition() throws Exception {
        long before = System.currentTimeMillis();
        String tag = "all" + Long.toString(before, 36);
        List<String> gids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            gids.add(tag + "-" + i);
            submit(gids.get(i), "saga");
            Thread.sleep(5); // distinct creation times
        }
        long after = System.currentTimeMillis();

        JsonNode one = get("all?gid=" + gids.get(1));
        assertThat(one.get("transactions")).hasSize(1);
        assertThat(one.get("transactions").get(0).get("gid").asText()).isEqualTo(gids.get(1));
        assertThat(one.get("next_position").asText()).isEmpty();
        assertThat(get("all?gid=" + tag + "-none").get("transactions")).isEmpty();

        // the three, newest first, two to a page; the last page says "" (DTM's UI stops on it)
        String range = "createTimeStart=" + before + "&createTimeEnd=" + after + "&transType=saga&status=succeed";
        JsonNode p1 = get("all?limit=2&" + range);
        assertThat(p1.get("transactions")).extracting(t -> t.get("gid").asText())
                .containsExactly(gids.get(2), gids.get(1));
        assertThat(p1.get("next_position").asText()).isNotEmpty();
        JsonNode p2 = get("all?limit=2&" + range + "&position=" + p1.get("next_position").asText());
        assertThat(p2.get("transactions")).extracting(t -> t.get("gid").asText()).containsExactly(gids.get(0));
        assertThat(p2.get("next_position").isTextual()).isTrue();
        assertThat(p2.get("next_position").asText()).isEmpty();

        assertThat(get("all?transType=tcc&createTimeStart=" + before).get("transactions")).isEmpty();
        assertThat(get("all?createTimeStart=" + (after + 1)).get("transactions")).isEmpty();
        // empty values are conditions not set, as in DTM
        assertThat(get("all?status=&transType=&createTimeStart=&createTimeEnd=&gid=&limit=1").get("transactions"))
                .hasSize(1);

        HttpResponse<String> bad = send("GET", "/api/dtmsvr/all?createTimeStart=yesterday", null);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("createTimeStart must be a time in milliseconds since 1970");
    }

    /**
     * DTM's {@code TestSagaEmptyUrl}: an empty action is an instant success, an empty compensation is never called;
     * query lists a compensation branch for every step, as DTM does, never called here.
     */
    @Test
    void anEmptyActionSucceedsAtOnceAndAnEmptyCompensationIsNeverCalled() throws Exception {
        String gid = "empty-url-" + UUID.randomUUID();
        String body = """
                {"gid":"%s","trans_type":"saga","steps":[{"action":"%s","compensate":""},{"action":"","compensate":""}],\
                "payloads":["{\\"amount\\":30}","{\\"amount\\":30}"],"wait_result":true}"""
                .formatted(gid, branches.url("/TransOut"));
        HttpResponse<String> r = send("POST", "/api/dtmsvr/submit", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);

        JsonNode q = get("query?gid=" + gid);
        assertThat(q.get("transaction").get("status").asText()).isEqualTo("succeed");
        assertThat(q.get("branches")).extracting(b -> b.get("status").asText())
                .containsExactly("prepared", "succeed", "prepared", "succeed");
        assertThat(q.get("branches")).extracting(b -> b.get("op").asText())
                .containsExactly("compensate", "action", "compensate", "action");
        assertThat(branches.trace(gid)).containsExactly("/TransOut action");
    }

    /** A failing step before an empty one: the compensations run where there are URLs, and the saga fails. */
    @Test
    void aSagaWithEmptyUrlsStillCompensatesWhereThereIsAUrl() throws Exception {
        String gid = "empty-url-fail-" + UUID.randomUUID();
        String transIn = "/TransIn-" + gid;
        branches.script(transIn, ScriptedBranches.Answer.FAILURE);
        String body = """
                {"gid":"%s","trans_type":"saga","steps":[{"action":"%s","compensate":"%s"},{"action":"","compensate":""},\
                {"action":"%s","compensate":""}],"payloads":["{}","{}","{}"],"wait_result":true}"""
                .formatted(gid, branches.url("/TransOut"), branches.url("/TransOutRevert"), branches.url(transIn));
        HttpResponse<String> r = send("POST", "/api/dtmsvr/submit", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        assertThat(branches.trace(gid)).containsExactly("/TransOut action", transIn + " action",
                "/TransOutRevert compensate");
        assertThat(get("query?gid=" + gid).get("transaction").get("status").asText()).isEqualTo("failed");
    }

    /**
     * DTM's {@code TestSagaGlobalTransWithRetryLimitNo} and {@code TestSagaOptionsRollbackWait}: retry_limit N allows N
     * retries, then the saga aborts with DTM's own words; a failed wait_result submit answers with the failing
     * branch's message; the branches end as DTM shows them.
     */
    @Test
    void retryLimitAndFailureReasonsReadAsDtmWritesThem() throws Exception {
        String gid = "retry-limit-" + UUID.randomUUID();
        String retry = "/TransInRetry-" + gid;
        branches.script(retry, ScriptedBranches.Answer.ERROR, ScriptedBranches.Answer.ERROR,
                ScriptedBranches.Answer.ERROR);
        String body = """
                {"gid":"%s","trans_type":"saga","steps":[{"action":"%s","compensate":"%s"},{"action":"%s",                "compensate":"%s"}],"payloads":["{}","{}"],"wait_result":true,"retry_limit":1,"retry_interval":1}"""
                .formatted(gid, branches.url("/TransOut"), branches.url("/TransOutRevert"), branches.url(retry),
                        branches.url("/TransInRevert"));
        send("POST", "/api/dtmsvr/submit", body);
        Await.until(Duration.ofSeconds(20), gid + " failed",
                () -> "failed".equals(status(gid)));
        JsonNode q = get("query?gid=" + gid);
        assertThat(q.get("transaction").get("rollback_reason").asText())
                .isEqualTo("RetryCount is greater than RetryLimit, RetryLimit: 1");
        assertThat(branches.trace(gid)).filteredOn(t -> t.startsWith(retry)).hasSize(2);
        assertThat(q.get("branches")).extracting(b -> b.get("status").asText())
                .containsExactly("succeed", "succeed", "succeed", "prepared");
        // what an operator looks for (DTM #344): how often the stuck branch was called, and its last answer
        JsonNode stuck = q.get("branches").get(3);
        assertThat(stuck.get("attempts").asInt()).isEqualTo(2);
        assertThat(stuck.get("last_error").asText()).contains("HTTP 500");

        String rollback = "rollback-wait-" + UUID.randomUUID();
        String insufficient = "/TransIn-" + rollback;
        branches.script(insufficient, new ScriptedBranches.Answer(409,
                "{\"dtm_result\":\"FAILURE\",\"message\":\"Insufficient balance\"}", 0));
        HttpResponse<String> r = send("POST", "/api/dtmsvr/submit", """
                {"gid":"%s","trans_type":"saga","steps":[{"action":"%s","compensate":"%s"}],"payloads":["{}"],                "wait_result":true}""".formatted(rollback, branches.url(insufficient), branches.url("/TransInRevert")));
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(r.body()).contains("Insufficient balance");
        JsonNode failed = get("query?gid=" + rollback).get("transaction");
        assertThat(failed.get("rollback_reason").asText()).contains("Insufficient balance");
        // what DTM's admin UI shows of a transaction
        assertThat(failed.get("protocol").asText()).isEqualTo("http");
        assertThat(failed.get("next_cron_interval").asLong()).isEqualTo(1);
        assertThat(failed.get("rollback_time").asText()).isNotEmpty();
    }

    /** DTM's older clients put each step's payload in steps[].data: read as payloads are. */
    @Test
    void theOldFormWithThePayloadInTheStepIsRead() throws Exception {
        String gid = "old-form-" + UUID.randomUUID();
        HttpResponse<String> r = send("POST", "/api/dtmsvr/submit", """
                {"gid":"%s","trans_type":"saga","steps":[{"action":"%s","compensate":"%s","data":"{\\"amount\\":30}"}],                "wait_result":true}""".formatted(gid, branches.url("/TransOut"), branches.url("/TransOutRevert")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(branches.calls(gid)).singleElement()
                .satisfies(c -> assertThat(c.body()).isEqualTo("{\"amount\":30}"));
        HttpResponse<String> both = send("POST", "/api/dtmsvr/submit", """
                {"gid":"%s-2","trans_type":"saga","steps":[{"action":"%s","data":"{}"}],"payloads":["{}"]}"""
                .formatted(gid, branches.url("/TransOut")));
        assertThat(both.statusCode()).isEqualTo(400);
        assertThat(both.body()).contains("not both");
    }

    /** DTM counts only 200 as a branch's success: a 204 or a 201 is retried, not taken for done. */
    @Test
    void onlyTwoHundredIsABranchSuccess() throws Exception {
        String gid = "status-" + UUID.randomUUID();
        String odd = "/Odd-" + gid;
        branches.script(odd, new ScriptedBranches.Answer(204, "", 0), new ScriptedBranches.Answer(201, "{}", 0));
        send("POST", "/api/dtmsvr/submit", """
                {"gid":"%s","trans_type":"saga","steps":[{"action":"%s"}],"payloads":["{}"],"retry_interval":1}"""
                .formatted(gid, branches.url(odd)));
        Await.until(Duration.ofSeconds(20), gid + " succeed",
                () -> "succeed".equals(status(gid)));
        assertThat(branches.trace(gid)).containsExactly(odd + " action", odd + " action", odd + " action");
    }

    /**
     * DTM's {@code resetNextCronTime}, an operator's "retry now": a saga waiting out a long backoff (30-60 s here) is
     * driven again at once; for an ended one it is a no-op answered 200, as DTM's TestAPIResetNextCronTime expects; an
     * unknown gid is a 404.
     */
    @Test
    void resetNextCronTimeRetriesAWaitingTransactionNow() throws Exception {
        String gid = "retry-now-" + UUID.randomUUID();
        String flaky = "/Flaky-" + gid;
        branches.script(flaky, ScriptedBranches.Answer.ERROR);
        send("POST", "/api/dtmsvr/submit", """
                {"gid":"%s","trans_type":"saga","steps":[{"action":"%s"}],"payloads":["{}"],"retry_interval":60}"""
                .formatted(gid, branches.url(flaky)));
        Await.until(Duration.ofSeconds(10), gid + " waiting out its backoff", () -> {
            try {
                JsonNode t = get("query?gid=" + gid).get("transaction");
                return branches.calls(gid).size() == 1 && t.get("owner") == null;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        java.time.Instant due = java.time.Instant.parse(get("query?gid=" + gid).get("transaction")
                .get("next_cron_time").asText());
        assertThat(due).as("the backoff shows").isAfter(java.time.Instant.now().plusSeconds(20));
        HttpResponse<String> reset = api.post("resetNextCronTime", "{\"gid\":\"" + gid + "\"}");
        assertThat(reset.statusCode()).as(reset.body()).isEqualTo(200);
        Await.until(Duration.ofSeconds(10), gid + " retried at once", () -> "succeed".equals(status(gid)));
        assertThat(branches.trace(gid)).containsExactly(flaky + " action", flaky + " action");

        HttpResponse<String> ended = api.post("resetNextCronTime", "{\"gid\":\"" + gid + "\"}");
        assertThat(ended.statusCode()).as(ended.body()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(api.post("resetNextCronTime", "{\"gid\":\"no-such-gid\"}").statusCode()).isEqualTo(404);
    }

    /** What DTM offers and redsaga does not yet is a clear 400 with the reason, not a 404 "no such endpoint". */
    @Test
    void dtmRoutesNotOfferedYetSaySo() throws Exception {
        for (String route : new String[] {"prepareWorkflow", "resetCronTime"}) {
            HttpResponse<String> r = api.post(route, "{\"gid\":\"x\"}");
            assertThat(r.statusCode()).as(route).isEqualTo(400);
            assertThat(r.body()).as(route).contains("does not offer it yet").contains("Compatibility with DTM");
        }
        assertThat(api.get("nothing-like-it").statusCode()).isEqualTo(404);
        HttpResponse<String> workflow = api.post("prepare", "{\"gid\":\"w1\",\"trans_type\":\"workflow\"}");
        assertThat(workflow.statusCode()).isEqualTo(400);
        assertThat(workflow.body()).contains("trans_type 'workflow' is not supported");
    }

    /**
     * DTM's rule for a submit of a transaction that has failed or is aborting: 409, "cannot submit", and nothing
     * runs. A prepared saga failed by its timeout_to_fail, or aborted, answered 200 SUCCESS here before.
     */
    @Test
    void aSubmitOfAFailedOrAbortedPreparedSagaIsRefusedAndNothingRuns() throws Exception {
        String timedOut = "saga-timed-out-" + UUID.randomUUID();
        String body = """
                {"gid":"%s","trans_type":"saga","steps":[{"action":"%s","compensate":"%s"}],"payloads":["{}"]%s}""";
        String steps = body.formatted(timedOut, branches.url("/late/a"), branches.url("/late/c"),
                ",\"timeout_to_fail\":1");
        assertThat(send("POST", "/api/dtmsvr/prepare", steps).statusCode()).isEqualTo(200);
        Await.until(Duration.ofSeconds(20), timedOut + " to fail", () -> "failed".equals(status(timedOut)));
        HttpResponse<String> late = send("POST", "/api/dtmsvr/submit", steps);
        assertThat(late.statusCode()).as(late.body()).isEqualTo(409);
        assertThat(late.body()).contains("FAILURE").contains("cannot be submitted");

        String aborted = "saga-aborted-" + UUID.randomUUID();
        String abortedSteps = body.formatted(aborted, branches.url("/late/a"), branches.url("/late/c"), "");
        assertThat(send("POST", "/api/dtmsvr/prepare", abortedSteps).statusCode()).isEqualTo(200);
        assertThat(send("POST", "/api/dtmsvr/abort", "{\"gid\":\"" + aborted + "\",\"trans_type\":\"saga\"}")
                .statusCode()).isEqualTo(200);
        Await.until(Duration.ofSeconds(20), aborted + " to fail", () -> "failed".equals(status(aborted)));
        HttpResponse<String> afterAbort = send("POST", "/api/dtmsvr/submit", abortedSteps);
        assertThat(afterAbort.statusCode()).as(afterAbort.body()).isEqualTo(409);

        assertThat(branches.calls(timedOut)).isEmpty();
        assertThat(branches.calls(aborted)).isEmpty();
    }
}
