package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redsaga.client.OutcomeUnknownException;
import dev.redsaga.client.RedsagaClient;
import dev.redsaga.client.RedsagaException;
import dev.redsaga.client.Saga;
import dev.redsaga.client.SubmitResult;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.protocol.WireJson;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.DriveListener;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.store.jdbc.JdbcTransactionStore;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.FaultyStore;
import dev.redsaga.server.testing.FaultyStore.Fault;
import dev.redsaga.server.testing.FaultyStore.Op;
import dev.redsaga.server.testing.ScriptedBranches;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a submitter is told when the store fails: "nothing was done" only when nothing was written; once the store
 * acknowledged the insert, never that; and "unknown" (504, {@link OutcomeUnknownException}) when the insert reached
 * the store and no answer came back. A client that believed a wrong "nothing was done" and retried under a new gid
 * would buy twice.
 */
class StoreFailureIT {
    JdbcTransactionStore h2;
    FaultyStore store;
    RedsagaServer server;
    ScriptedBranches branches;
    RedsagaClient client;

    @BeforeEach
    void start() throws Exception {
        h2 = JdbcTransactionStore.open("jdbc:h2:mem:faulty-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", null, null,
                "trans", 4);
        store = new FaultyStore(h2);
        EngineOptions engine = EngineOptions.builder().defaultRequestTimeoutMs(1_000).defaultRetryIntervalMs(50)
                .retryCapMs(400).leaseMs(1_000).claimBatch(100).pollIntervalMs(100).maxConcurrentDrives(64).build();
        server = RedsagaServer.start(ServerConfig.builder().port(0).store("h2:mem:unused").engine(engine)
                .maxRequestBytes(64 * 1024).instanceId("faulty-" + UUID.randomUUID())
                .build(), store, false, new DriveListener() { });
        branches = new ScriptedBranches();
        client = RedsagaClient.builder(server.baseUrl()).build();
    }

    @AfterEach
    void stop() {
        branches.close();
        server.close();
        h2.close();
    }

    private Saga purchase(String gid) {
        return client.saga(gid)
                .step(branches.url("/" + gid + "/order"), branches.url("/" + gid + "/order-undo"), "{}")
                .step(branches.url("/" + gid + "/stock"), branches.url("/" + gid + "/stock-undo"), "{}");
    }

    private HttpResponse<String> submitRaw(Saga saga) throws Exception {
        byte[] body = WireJson.mapper().writeValueAsBytes(saga.toRequest());
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                + "/api/dtmsvr/submit")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aStoreFailingAfterTheInsertIsNeverReportedAsNothingDone() throws Exception {
        String gid = client.newGid();
        // the insert is acknowledged; every later write and read fails until healed
        store.inject(Op.CAS, Fault.BEFORE, Integer.MAX_VALUE).inject(Op.FIND, Fault.BEFORE, Integer.MAX_VALUE);
        HttpResponse<String> r = submitRaw(purchase(gid).waitResult());

        assertThat(r.body()).doesNotContain("nothing was done");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(425);
        store.heal();
        Await.until(Duration.ofSeconds(20), gid + " to succeed after the store healed",
                () -> client.query(gid).transaction().status() == TransStatus.SUCCEEDED);
    }

    /** The probes a supervisor polls: live while the process answers, ready only while the store answers too. */
    @Test
    void readinessFollowsTheStoreAndLivenessDoesNot() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        java.util.function.Function<String, HttpResponse<String>> get = path -> {
            try {
                return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        assertThat(get.apply("/health/ready").statusCode()).isEqualTo(200);
        store.inject(Op.FIND, Fault.BEFORE, Integer.MAX_VALUE);
        HttpResponse<String> down = get.apply("/health/ready");
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).contains("DOWN").doesNotContain("h2");
        assertThat(get.apply("/health/live").statusCode()).isEqualTo(200);
        store.heal();
        assertThat(get.apply("/health/ready").body()).contains("UP");
    }

    @Test
    void anInsertWhoseAnswerIsLostIsReportedAsUnknownAndTheSameGidCanBeSentAgain() {
        String gid = client.newGid();
        store.inject(Op.INSERT, Fault.AFTER, 1);

        assertThatThrownBy(() -> purchase(gid).waitResult().submit())
                .isInstanceOfSatisfying(OutcomeUnknownException.class, e -> {
                    assertThat(e.gid()).isEqualTo(gid);
                    assertThat(e.httpStatus()).isEqualTo(504);
                    assertThat(e.getMessage()).contains("query the gid").doesNotContain("nothing was done");
                });
        // it was stored: sending the same saga again is safe and it runs once
        assertThat(purchase(gid).waitResult().submit()).isIn(SubmitResult.SUCCESS, SubmitResult.ONGOING);
        Await.until(Duration.ofSeconds(20), gid + " to succeed",
                () -> client.query(gid).transaction().status() == TransStatus.SUCCEEDED);
    }

    @Test
    void anUnexpectedErrorAnswers500NamingAnIncidentNotTheExceptionsText() {
        String gid = client.newGid();
        store.inject(Op.FIND, Fault.BUG, 1);
        assertThatThrownBy(() -> client.query(gid)).isInstanceOfSatisfying(RedsagaException.class, e -> {
            assertThat(e.httpStatus()).isEqualTo(500);
            assertThat(e.getMessage()).contains("incident").doesNotContain("hunter2", "IllegalStateException");
        });
    }

    @Test
    void anInsertRefusedBeforeReachingTheStoreSaysNothingWasDone() {
        String gid = client.newGid();
        store.inject(Op.INSERT, Fault.BEFORE, 1);

        assertThatThrownBy(() -> purchase(gid).submit())
                .isInstanceOf(RedsagaException.class).isNotInstanceOf(OutcomeUnknownException.class)
                .hasMessageContaining("nothing was done").hasMessageContaining("incident")
                .hasMessageNotContaining("injected") // the store's own text stays in the log
                .satisfies(e -> assertThat(((RedsagaException) e).httpStatus()).isEqualTo(503));
        assertThat(branches.calls(gid)).isEmpty();
        assertThat(client.query(gid).transaction()).as("nothing stored").isNull();
    }
}
