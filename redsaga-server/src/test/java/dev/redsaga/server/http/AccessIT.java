package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redsaga.client.RedsagaClient;
import dev.redsaga.client.RedsagaException;
import dev.redsaga.client.SubmitResult;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.AccessPolicy;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.ScriptedBranches;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who may do what: with tokens configured, every endpoint but {@code health} needs a bearer token; the {@code submit}
 * scope starts and reads sagas, the {@code admin} scope also aborts, force-stops and lists them. State changes only
 * by POST with a JSON body, and never from a foreign web page ({@code Origin}). Each of these was open before.
 */
class AccessIT {
    static final String SUBMIT_TOKEN = "s3cret-submit-" + UUID.randomUUID();
    static final String ADMIN_TOKEN = "s3cret-admin-" + UUID.randomUUID();
    static RedsagaServer server;
    static ScriptedBranches branches;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        EngineOptions engine = EngineOptions.builder().defaultRequestTimeoutMs(1_000).defaultRetryIntervalMs(50)
                .retryCapMs(400).leaseMs(5_000).claimBatch(100).pollIntervalMs(100).maxConcurrentDrives(64).build();
        server = RedsagaServer.start(ServerConfig.builder().port(0).store("h2:mem:access-" + UUID.randomUUID())
                .engine(engine).maxRequestBytes(64 * 1024).instanceId("access-it")
                .access(AccessPolicy.of("127.0.0.1", List.of(SUBMIT_TOKEN), List.of(ADMIN_TOKEN), false,
                        List.of("http://ui.example")))
                .build());
        branches = new ScriptedBranches();
    }

    @AfterAll
    static void stop() {
        branches.close();
        server.close();
    }

    private static HttpResponse<String> send(String method, String route, String token, String contentType,
            String origin, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/dtmsvr/" + route))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (origin != null) {
            b.header("Origin", origin);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String saga(String gid) {
        return "{\"gid\":\"" + gid + "\",\"trans_type\":\"saga\",\"steps\":[{\"action\":\""
                + branches.url("/" + gid + "/a") + "\"}],\"payloads\":[\"{}\"]}";
    }

    @Test
    void withoutATokenNothingButHealthAnswers() throws Exception {
        for (String route : new String[] {"newGid", "query?gid=x", "all"}) {
            HttpResponse<String> r = send("GET", route, null, null, null, null);
            assertThat(r.statusCode()).as(route).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate").orElse("")).as(route).startsWith("Bearer");
            assertThat(r.body()).contains("Authorization: Bearer");
        }
        HttpResponse<String> submit = send("POST", "submit", null, "application/json", null, saga("anon-1"));
        assertThat(submit.statusCode()).isEqualTo(401);
        assertThat(send("GET", "query?gid=anon-1", SUBMIT_TOKEN, null, null, null).body())
                .as("nothing was stored").isEqualTo(BadInputIT.NOTHING_STORED);
        assertThat(send("GET", "newGid", "wrong-token", null, null, null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "health", null, null, null, null).statusCode()).isEqualTo(200);
    }

    @Test
    void theSubmitScopeStartsAndReadsSagasTheAdminScopeAlsoStopsAndListsThem() {
        RedsagaClient submitter = RedsagaClient.builder(server.baseUrl()).token(SUBMIT_TOKEN).build();
        RedsagaClient admin = RedsagaClient.builder(server.baseUrl()).token(ADMIN_TOKEN).build();
        String gid = submitter.newGid();
        submitter.saga(gid).step(branches.url("/" + gid + "/a"), branches.url("/" + gid + "/a-undo"), "{}").prepare();
        assertThat(submitter.query(gid).transaction().gid()).isEqualTo(gid);

        assertThatThrownBy(() -> submitter.forceStop(gid)).isInstanceOfSatisfying(RedsagaException.class,
                e -> assertThat(e.httpStatus()).isEqualTo(403));
        assertThatThrownBy(() -> submitter.list(null, null, 10)).isInstanceOfSatisfying(RedsagaException.class,
                e -> assertThat(e.getMessage()).contains("admin"));
        // the client that prepared a saga may drop it: nothing ran
        submitter.abort(gid);
        assertThat(submitter.query(gid).transaction().status()).isEqualTo(TransStatus.FAILED);

        // a running saga is stopped by an operator only (DTM refuses it to everyone)
        String running = submitter.newGid();
        branches.script("/" + running + "/a", java.util.Collections.nCopies(100, Answer.ONGOING)
                .toArray(Answer[]::new));
        submitter.saga(running).step(branches.url("/" + running + "/a"), branches.url("/" + running + "/a-undo"), "{}")
                .submit();
        assertThatThrownBy(() -> submitter.abort(running)).isInstanceOfSatisfying(RedsagaException.class, e -> {
            assertThat(e.httpStatus()).isEqualTo(409);
            assertThat(e.getMessage()).contains("admin scope");
        });
        admin.abort(running);
        assertThat(admin.query(running).transaction().status()).isIn(TransStatus.ABORTING, TransStatus.FAILED);
        assertThat(admin.list(null, null, 10).transactions()).isNotEmpty();
        String other = admin.newGid();
        assertThat(admin.saga(other).step(branches.url("/" + other + "/a"), "", "{}").waitResult().submit())
                .as("admin may submit too").isEqualTo(SubmitResult.SUCCESS);
    }

    /** Topics are an operator's: changing and reading them takes the admin scope, as DTM's GET or a JSON POST. */
    @Test
    void topicsTakeTheAdminScope() throws Exception {
        String topic = "access_" + UUID.randomUUID().toString().substring(0, 8);
        String change = "subscribe?topic=" + topic + "&url=http://127.0.0.1:1/sub";
        assertThat(send("GET", change, null, null, null, null).statusCode()).isEqualTo(401);
        assertThat(send("GET", change, SUBMIT_TOKEN, null, null, null).statusCode()).isEqualTo(403);
        assertThat(send("GET", "queryKV?cat=topics&key=" + topic, SUBMIT_TOKEN, null, null, null).statusCode())
                .isEqualTo(403);
        assertThat(send("GET", "scanKV?cat=topics", SUBMIT_TOKEN, null, null, null).statusCode()).isEqualTo(403);
        assertThat(send("DELETE", "topic/" + topic, SUBMIT_TOKEN, null, null, null).statusCode()).isEqualTo(403);
        HttpResponse<String> byAdmin = send("GET", change, ADMIN_TOKEN, null, null, null);
        assertThat(byAdmin.statusCode()).as(byAdmin.body()).isEqualTo(200);
        assertThat(send("GET", "queryKV?cat=topics&key=" + topic, ADMIN_TOKEN, null, null, null).body())
                .contains("127.0.0.1:1/sub");
        assertThat(send("POST", "unsubscribe", ADMIN_TOKEN, "text/plain", null, "{\"topic\":\"" + topic
                + "\",\"url\":\"http://127.0.0.1:1/sub\"}").statusCode()).as("a POST takes JSON").isEqualTo(415);
        assertThat(send("DELETE", "topic/" + topic, ADMIN_TOKEN, null, null, null).statusCode()).isEqualTo(200);
    }

    @Test
    void stateChangesOnlyByPostWithJsonAndNeverFromAForeignPage() throws Exception {
        // a web page can send text/plain without a preflight: refused, and nothing stored
        HttpResponse<String> plain = send("POST", "submit", SUBMIT_TOKEN, "text/plain", null, saga("csrf-1"));
        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(415);
        assertThat(send("GET", "query?gid=csrf-1", SUBMIT_TOKEN, null, null, null).body())
                .isEqualTo(BadInputIT.NOTHING_STORED);

        HttpResponse<String> foreign = send("POST", "submit", SUBMIT_TOKEN, "application/json", "http://evil.example",
                saga("csrf-2"));
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(foreign.body()).contains("origin");
        assertThat(send("GET", "query?gid=csrf-2", SUBMIT_TOKEN, null, null, null).body())
                .isEqualTo(BadInputIT.NOTHING_STORED);

        assertThat(send("POST", "submit", SUBMIT_TOKEN, "application/json; charset=utf-8", "http://ui.example",
                saga("csrf-3")).statusCode()).as("an allowed origin").isEqualTo(200);

        HttpResponse<String> getStop = send("GET", "forceStop?gid=csrf-3", ADMIN_TOKEN, null, null, null);
        assertThat(getStop.statusCode()).isEqualTo(405);
        assertThat(getStop.body()).contains("POST");
    }

    /** TCC with a token of the submit scope: its client aborts it after a refused try, as DTM's clients do. */
    @Test
    void theSubmitScopeRunsTccIncludingItsAbort() throws Exception {
        RedsagaClient submitter = RedsagaClient.builder(server.baseUrl()).token(SUBMIT_TOKEN).build();
        String gid = submitter.newGid();
        branches.script("/" + gid + "/try", Answer.FAILURE);
        assertThatThrownBy(() -> submitter.tcc(gid, t -> t.callBranch("{}", branches.url("/" + gid + "/try"),
                branches.url("/" + gid + "/confirm"), branches.url("/" + gid + "/cancel"))))
                .isInstanceOf(dev.redsaga.client.Tcc.TryRefusedException.class);
        Await.until(java.time.Duration.ofSeconds(10), gid + " cancelled",
                () -> submitter.query(gid).transaction().status() == TransStatus.FAILED);
    }
}
