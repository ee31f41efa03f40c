package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redsaga.client.RedsagaClient;
import dev.redsaga.client.RedsagaException;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.protocol.TransView;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.AccessPolicy;
import dev.redsaga.server.config.BranchUrlPolicy;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import dev.redsaga.server.testing.ScriptedBranches;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Bounded resources: a saga cannot ask for a branch timeout beyond the server's maximum nor set dozens of headers;
 * a submit waits for a free drive only so long, then is refused with Retry-After and nothing stored (before, it
 * was stored and then hung); a prepared saga that is never submitted does not live for ever; {@code all} answers
 * summaries. Each of these was unbounded before.
 */
class LimitsIT {
    static final EngineOptions ENGINE = EngineOptions.builder().defaultRequestTimeoutMs(1_000)
            .defaultRetryIntervalMs(50).retryCapMs(400).leaseMs(5_000).claimBatch(100).pollIntervalMs(100)
            .maxConcurrentDrives(1).maxRequestTimeoutMs(10_000).preparedLifetimeMs(1_000).permitWaitMs(300).build();

    private static RedsagaServer start() {
        return RedsagaServer.start(ServerConfig.builder().port(0).store("h2:mem:limits-" + UUID.randomUUID())
                .engine(ENGINE).maxRequestBytes(64 * 1024).instanceId("limits-it").build());
    }

    @Test
    void requestTimeoutAndHeadersAreBounded() throws Exception {
        try (RedsagaServer server = start(); ScriptedBranches branches = new ScriptedBranches()) {
            RedsagaClient client = RedsagaClient.builder(server.baseUrl()).build();
            assertThatThrownBy(() -> client.saga(client.newGid()).step(branches.url("/a"), "", "{}")
                    .requestTimeout(Duration.ofDays(365)).submit())
                    .isInstanceOfSatisfying(RedsagaException.class, e -> {
                        assertThat(e.httpStatus()).isEqualTo(400);
                        assertThat(e.getMessage()).contains("request_timeout must be at most 10 s");
                    });
            var saga = client.saga(client.newGid()).step(branches.url("/a"), "", "{}");
            for (int i = 0; i < 33; i++) {
                saga.branchHeader("X-H" + i, "v");
            }
            assertThatThrownBy(saga::submit).isInstanceOfSatisfying(RedsagaException.class,
                    e -> assertThat(e.getMessage()).contains("at most 32"));
        }
    }

    @Test
    void aSubmitBeyondTheDrivesIsRefusedWithRetryAfterAndNothingStored() throws Exception {
        try (RedsagaServer server = start(); ScriptedBranches branches = new ScriptedBranches()) {
            RedsagaClient client = RedsagaClient.builder(server.baseUrl()).build();
            String busy = client.newGid();
            branches.script("/" + busy + "/slow", Answer.stall(900));
            client.saga(busy).step(branches.url("/" + busy + "/slow"), "", "{}").submit(); // holds the one drive

            String refused = client.newGid();
            String body = "{\"gid\":\"" + refused + "\",\"trans_type\":\"saga\",\"steps\":[{\"action\":\""
                    + branches.url("/" + refused) + "\"}],\"payloads\":[\"{}\"]}";
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(server.baseUrl() + "/api/dtmsvr/submit")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            assertThat(r.headers().firstValue("Retry-After")).contains("1");
            assertThat(r.body()).contains("nothing was stored").doesNotContain("FAILURE");
            assertThat(client.query(refused).transaction()).as("nothing stored").isNull();

            Await.until(Duration.ofSeconds(10), busy + " to end",
                    () -> client.query(busy).transaction().status() == TransStatus.SUCCEEDED);
            client.saga(refused).step(branches.url("/" + refused), "", "{}").waitResult().submit();
            assertThat(client.query(refused).transaction().status()).as("sent again, it runs")
                    .isEqualTo(TransStatus.SUCCEEDED);
        }
    }

    @Test
    void aSagaBetweenTwoRetriesKeepsItsPlaceSoTheDoorStaysShut() throws Exception {
        try (RedsagaServer server = start(); ScriptedBranches branches = new ScriptedBranches()) {
            RedsagaClient client = RedsagaClient.builder(server.baseUrl()).build();
            String retrying = client.newGid();
            Answer[] errors = new Answer[25];
            java.util.Arrays.fill(errors, Answer.ERROR);
            branches.script("/" + retrying, errors); // 25 answers of 500, each followed by a short backoff
            client.saga(retrying).step(branches.url("/" + retrying), "", "{}").submit();
            Await.until(Duration.ofSeconds(5), "the first retry", () -> branches.calls().size() >= 2);

            // its drive ends at every backoff and frees the one drive permit, but the saga is still open here:
            // before the door counted open sagas, this submit was accepted in the gap and the backlog grew
            String next = client.newGid();
            assertThatThrownBy(() -> client.saga(next).step(branches.url("/" + next), "", "{}").submit())
                    .isInstanceOfSatisfying(RedsagaException.class, e -> {
                        assertThat(e.httpStatus()).isEqualTo(503);
                        assertThat(e.getMessage()).contains("sagas open already", "nothing was stored");
                    });

            Await.until(Duration.ofSeconds(30), retrying + " to end",
                    () -> client.query(retrying).transaction().status() == TransStatus.SUCCEEDED);
            client.saga(next).step(branches.url("/" + next), "", "{}").waitResult().submit();
            assertThat(client.query(next).transaction().status()).isEqualTo(TransStatus.SUCCEEDED);
        }
    }

    @Test
    void aPreparedSagaNeverSubmittedFailsAfterTheServersLifetime() throws Exception {
        try (RedsagaServer server = start(); ScriptedBranches branches = new ScriptedBranches()) {
            RedsagaClient client = RedsagaClient.builder(server.baseUrl()).build();
            String gid = client.newGid();
            client.saga(gid).step(branches.url("/" + gid), "", "{}").prepare();
            Await.until(Duration.ofSeconds(10), gid + " to fail",
                    () -> client.query(gid).transaction().status() == TransStatus.FAILED);
            assertThat(branches.calls(gid)).isEmpty();
        }
    }

    @Test
    void theListingAnswersSummaries() throws Exception {
        try (RedsagaServer server = start(); ScriptedBranches branches = new ScriptedBranches()) {
            RedsagaClient client = RedsagaClient.builder(server.baseUrl()).build();
            String big = "x".repeat(20_000);
            for (int i = 0; i < 3; i++) {
                client.saga(client.newGid()).step(branches.url("/p"), "", "\"" + big + "\"").prepare();
            }
            var page = client.list(null, null, 100);
            assertThat(page.transactions()).hasSize(3);
            for (TransView v : page.transactions()) {
                assertThat(v.payloads()).isNull();
                assertThat(v.steps()).isNull();
            }
        }
    }

    /**
     * Slowloris: clients that open connections and dribble their request heads (one header line now and then, as
     * the second attack did every 25 s) hold at most half of the connections, and each for at most the head
     * deadline; the probes of another client are answered meanwhile. (Twenty such sockets kept the probes
     * unanswered for 95 s before.)
     */
    @Test
    void slowHeadsHoldNeitherEveryConnectionNorAnyForLong() throws Exception {
        InetAddress attacker = InetAddress.getByName("127.0.0.2");
        try (RedsagaServer small = RedsagaServer.start(ServerConfig.builder().port(0)
                .store("h2:mem:slowloris-" + UUID.randomUUID()).maxRequestBytes(64 * 1024).instanceId("slowloris")
                .access(AccessPolicy.open()).maxConnections(20).build())) {
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    Socket s = new Socket(InetAddress.getLoopbackAddress(), small.port(), attacker, 0);
                    s.setSoTimeout(20_000);
                    s.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                    slow.add(s);
                }
                long start = System.nanoTime();
                // the probe, from another address, is answered at once although every slow socket was opened
                HttpResponse<String> live = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(small.baseUrl() + "/health/live")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(live.statusCode()).isEqualTo(200);
                // a header line every second keeps no connection past the head deadline
                int closed = 0;
                for (Socket s : slow) {
                    if (closedWhileDribbling(s, start)) {
                        closed++;
                    }
                }
                assertThat(System.nanoTime() - start).as("all closed within the head deadline and a margin")
                        .isLessThan(TimeUnit.SECONDS.toNanos(15));
                assertThat(closed).isEqualTo(20);
            } finally {
                for (Socket s : slow) {
                    s.close();
                }
            }
        }
    }

    /** Sends a header line a second until the server closes {@code s} (true) or 15 s from {@code start} passed. */
    private static boolean closedWhileDribbling(Socket s, long start) {
        try {
            s.setSoTimeout(1_000);
            while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15)) {
                s.getOutputStream().write("X-Slow: 1\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                try {
                    return s.getInputStream().read() < 0; // closed; a byte would be an answer to a head never sent
                } catch (SocketTimeoutException e) {
                    // still open: dribble on
                }
            }
            return false;
        } catch (IOException e) {
            return true; // reset by the server
        }
    }
}
