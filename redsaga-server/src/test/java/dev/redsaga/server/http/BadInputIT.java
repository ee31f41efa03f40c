package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.testing.RawApi;
import dev.redsaga.server.testing.ScriptedBranches;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Bad input gets a clear 4xx with a message, and nothing is stored half-way; plus a submit written by hand
 * from DTM's protocol (docs/protocol.md), exactly as an unmodified DTM client sends it.
 */
class BadInputIT {
    /** DTM's answer to a query of a gid it does not have. */
    static final String NOTHING_STORED = "{\"transaction\":null,\"branches\":[]}";
    static RedsagaServer server;
    static ScriptedBranches branches;
    static RawApi api;

    @BeforeAll
    static void start() throws Exception {
        server = RedsagaServer.start(ServerConfig.builder().port(0).store("h2:mem:badinput-" + UUID.randomUUID())
                .maxRequestBytes(4096).instanceId("it-" + UUID.randomUUID()).build());
        branches = new ScriptedBranches();
        api = new RawApi(server.baseUrl());
    }

    @AfterAll
    static void stop() {
        branches.close();
        server.close();
    }

    static HttpResponse<String> post(String route, String body) {
        return api.post(route, body);
    }

    static HttpResponse<String> get(String routeAndQuery) {
        return api.get(routeAndQuery);
    }

    static String saga(String gid, String stepsAndRest) {
        return "{\"gid\":\"" + gid + "\",\"trans_type\":\"saga\"," + stepsAndRest + "}";
    }

    /**
     * What Jetty answers itself — a request it cannot parse — comes as the API's JSON, never Jetty's HTML page
     * (which names exception classes and their messages).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a header line without a colon | GET /api/dtmsvr/newGid HTTP/1.1~Host: 127.0.0.1~no colon here~~ | 400
            a header too large            | GET /api/dtmsvr/newGid HTTP/1.1~Host: 127.0.0.1~X-Big: BIG~~     | 431
            an HTTP version of none       | GET /api/dtmsvr/newGid HTTP/9~~                                  | 505
            """)
    void whatTheServerAnswersItselfIsJsonWithoutExceptionNames(String name, String request, int status)
            throws Exception {
        String raw = request.replace("~", "\r\n").replace("BIG", "x".repeat(64 * 1024));
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).as(answer).startsWith("HTTP/1.1 " + status + " ");
            assertThat(answer.toLowerCase(Locale.ROOT)).as(answer)
                    .contains("content-type: application/json").doesNotContain("<html").doesNotContain("exception")
                    .contains("{\"message\":\"the request could not be read: http " + status);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed JSON            | {"gid": "g1", "trans_type": "saga", | 400 | not valid JSON
            empty body                |                                       | 400 | body is empty
            JSON null                 | null                                  | 400 | JSON null
            missing gid               | {"trans_type":"saga","steps":[{"action":"http://127.0.0.1:1/a"}]} | 400 | gid is required
            invalid gid               | {"gid":"a b/c","trans_type":"saga","steps":[{"action":"http://127.0.0.1:1/a"}]} | 400 | gid 'a b/c' is invalid
            missing trans_type        | {"gid":"bad-tt0","steps":[{"action":"http://127.0.0.1:1/a"}]} | 400 | trans_type is required
            unknown trans_type        | {"gid":"bad-tt1","trans_type":"workflow","steps":[{"action":"http://127.0.0.1:1/a"}]} | 400 | trans_type 'workflow' is not supported
            no steps                  | {"gid":"bad-st0","trans_type":"saga"} | 400 | steps is required
            steps of wrong type       | {"gid":"bad-st1","trans_type":"saga","steps":"a"} | 400 | wrong type at steps
            timeout of wrong type     | {"gid":"bad-to1","trans_type":"saga","steps":[{"action":"http://127.0.0.1:1/a"}],"timeout_to_fail":"soon"} | 400 | wrong type at timeout_to_fail
            negative timeout          | {"gid":"bad-to2","trans_type":"saga","steps":[{"action":"http://127.0.0.1:1/a"}],"timeout_to_fail":-1} | 400 | timeout_to_fail must be between
            action not http           | {"gid":"bad-url1","trans_type":"saga","steps":[{"action":"ftp://127.0.0.1/a"}]} | 400 | steps[0].action 'ftp://127.0.0.1/a' is not an http(s) URL
            compensate not a URL      | {"gid":"bad-url3","trans_type":"saga","steps":[{"action":"http://127.0.0.1:1/a","compensate":"not a url"}]} | 400 | steps[0].compensate
            payload count mismatch    | {"gid":"bad-pl1","trans_type":"saga","steps":[{"action":"http://127.0.0.1:1/a"}],"payloads":["{}","{}"]} | 400 | one payload per step
            dependency cycle          | {"gid":"bad-cy1","trans_type":"saga","steps":[{"action":"http://127.0.0.1:1/a"},{"action":"http://127.0.0.1:1/b"}],"concurrent":true,"custom_data":"{\\"orders\\":{\\"0\\":[1],\\"1\\":[0]}}"} | 400 | dependency cycle
            dependency out of range   | {"gid":"bad-cy2","trans_type":"saga","steps":[{"action":"http://127.0.0.1:1/a"}],"concurrent":true,"custom_data":"{\\"orders\\":{\\"0\\":[5]}}"} | 400 | out of range
            custom_data not JSON      | {"gid":"bad-cd1","trans_type":"saga","steps":[{"action":"http://127.0.0.1:1/a"}],"concurrent":true,"custom_data":"{{"} | 400 | custom_data is not valid JSON
            """)
    void badSubmitIsRefusedWithAMessageAndNothingIsStored(String name, String body, int status, String message)
            throws Exception {
        HttpResponse<String> r = post("submit", body == null ? "" : body);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.body()).contains(message).contains("\"dtm_result\":\"FAILURE\"");
        if (body != null && body.contains("\"gid\":\"bad-")) {
            String gid = body.replaceAll(".*\"gid\":\"(bad-[a-z0-9]+)\".*", "$1");
            assertThat(get("query?gid=" + gid).body()).as("nothing stored for " + gid).isEqualTo(NOTHING_STORED);
        }
    }

    @Test
    void payloadOverTheLimitIsRefused() throws Exception {
        String big = "x".repeat(5000);
        HttpResponse<String> r = post("submit", saga("too-big", "\"steps\":[{\"action\":\"http://127.0.0.1:1/a\"}],"
                + "\"payloads\":[\"" + big + "\"]"));

        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("larger than 4096 bytes");
        assertThat(get("query?gid=too-big").body()).isEqualTo(NOTHING_STORED);
    }

    /** DTM answers a query of an unknown gid with an empty result, not an error; its clients rely on it. */
    @Test
    void unknownGidQueriesAsNoTransactionAndCannotBeAborted() throws Exception {
        HttpResponse<String> r = get("query?gid=never-submitted");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(NOTHING_STORED);
        HttpResponse<String> abort = post("abort", "{\"gid\":\"never-submitted\",\"trans_type\":\"saga\"}");
        assertThat(abort.statusCode()).isEqualTo(404);
        assertThat(abort.body()).contains("no transaction with gid never-submitted");
    }

    @Test
    void wrongMethodAndUnknownRouteAreClear() throws Exception {
        HttpResponse<String> r = get("submit");
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.body()).contains("takes POST");
        assertThat(get("nope").statusCode()).isEqualTo(404);
        assertThat(get("all?limit=zero").body()).contains("limit must be a whole number");
        assertThat(get("all?status=done").body()).contains("unknown transaction status 'done'");
        HttpResponse<String> old = get("all?status=succeeded");
        assertThat(old.statusCode()).isEqualTo(400);
        assertThat(old.body()).contains("it is spelled 'succeed', as DTM spells it");
    }

    @Test
    void newGidAnswersLikeDtm() throws Exception {
        HttpResponse<String> r = get("newGid");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).matches("\\{\"dtm_result\":\"SUCCESS\",\"gid\":\"[0-9a-z]{22}\"}");
    }

    /** The JSON a DTM Go client (dtmcli.Saga.Submit) sends, with the extra fields it adds, written by hand. */
    @Test
    void unmodifiedDtmRequestSucceeds() throws Exception {
        String gid = "dtm-style-" + UUID.randomUUID();
        String body = """
                {"gid":"%s","trans_type":"saga","steps":[{"action":"%s","compensate":"%s"},\
                {"action":"%s","compensate":"%s"}],"payloads":["{\\"amount\\":30}","{\\"amount\\":30}"],\
                "custom_data":"","wait_result":true,"timeout_to_fail":0,"branch_headers":{"X-Dtm":"yes"},\
                "passthrough_headers":null,"protocol":"http","query_prepared":"","retry_interval":0,\
                "request_timeout":0,"concurrent":false,"ext_data":"","rollback_reason":"","bin_payloads":null}"""
                .formatted(gid, branches.url("/TransOut"), branches.url("/TransOutCompensate"),
                        branches.url("/TransIn"), branches.url("/TransInCompensate"));

        HttpResponse<String> r = post("submit", body);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"dtm_result\":\"SUCCESS\"}");
        assertThat(branches.trace(gid)).containsExactly("/TransOut action", "/TransIn action");
        assertThat(branches.calls(gid).getFirst().body()).isEqualTo("{\"amount\":30}");
        HttpResponse<String> q = get("query?gid=" + gid);
        // DTM spells success "succeed", for the transaction and each branch; DTM's clients and admin UI compare it
        assertThat(q.body()).contains("\"status\":\"succeed\"").contains("\"branch_id\":\"01\"")
                .doesNotContain("succeeded");
    }
}
