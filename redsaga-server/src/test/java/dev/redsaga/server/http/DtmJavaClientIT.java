package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.redsaga.client.RedsagaClient;
import dev.redsaga.client.barrier.JdbcBarrier;
import dev.redsaga.client.testing.TestServices;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.ScriptedBranches;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pub.dtm.client.DtmClient;
import pub.dtm.client.barrier.BranchBarrier;
import pub.dtm.client.exception.FailureException;

/**
 * DTM's own Java client ({@code io.github.dtm-labs:dtmcli-java}, unmodified, from Maven Central) against this
 * coordinator, as a DTM user would run it: its TCC and its saga (in order, failing, concurrent, empty URLs). Its
 * {@code Saga.setBranchHeaders} calls itself until the stack overflows (2.1.4), so branch headers are sent by hand
 * in {@code SagaScenarioIT} instead.
 */
class DtmJavaClientIT {
    static RedsagaServer server;
    static ScriptedBranches branches;
    static DtmClient dtm;
    static RedsagaClient client;

    @BeforeAll
    static void start() throws Exception {
        server = RedsagaServer.start(ServerConfig.builder().port(0).store("h2:mem:dtmjava-" + UUID.randomUUID())
                .maxRequestBytes(1 << 20).instanceId("it-" + UUID.randomUUID()).build());
        branches = new ScriptedBranches();
        URI base = URI.create(server.baseUrl());
        dtm = new DtmClient(base.getHost() + ":" + base.getPort());
        client = RedsagaClient.builder(server.baseUrl()).build();
    }

    @AfterAll
    static void stop() {
        branches.close();
        server.close();
    }

    static TransStatus awaitEnd(String gid) {
        Await.until(Duration.ofSeconds(15), gid + " to end", () -> client.query(gid).transaction() != null
                && client.query(gid).transaction().status().isTerminal());
        return client.query(gid).transaction().status();
    }

    /** Both tries succeed: the client submits, the coordinator confirms both branches, the last registered first. */
    @Test
    void tccConfirmsEveryBranchAfterTheTriesSucceed() throws Exception {
        String gid = "dtm-java-tcc-" + UUID.randomUUID();
        Map<String, Object> body = Map.of("amount", 30);

        String returned = dtm.tccGlobalTransaction(gid, tcc -> {
            tcc.callBranch(body, branches.url("/TransOutTry"), branches.url("/TransOutConfirm"),
                    branches.url("/TransOutCancel"));
            tcc.callBranch(body, branches.url("/TransInTry"), branches.url("/TransInConfirm"),
                    branches.url("/TransInCancel"));
        });

        assertThat(returned).isEqualTo(gid);
        assertThat(awaitEnd(gid)).isEqualTo(TransStatus.SUCCEEDED);
        assertThat(branches.trace(gid)).containsExactly("/TransOutTry try", "/TransInTry try",
                "/TransInConfirm confirm", "/TransOutConfirm confirm");
        // the confirms carry the branch's data, as registered: the try's body
        assertThat(branches.calls(gid).get(2).body()).isEqualTo("{\"amount\":30}");
        assertThat(branches.calls(gid).get(2).branchId()).isEqualTo("02");
        assertThat(branches.calls(gid).get(2).transType()).isEqualTo("tcc");
        assertThat(client.query(gid).branches()).extracting(b -> b.op().wire() + " " + b.status().wire())
                .containsExactly("cancel prepared", "confirm succeed", "cancel prepared", "confirm succeed");
    }

    /** The second try fails: the client aborts, and the coordinator cancels both branches, the last first. */
    @Test
    void tccCancelsEveryRegisteredBranchWhenATryFails() {
        String gid = "dtm-java-tcc-fail-" + UUID.randomUUID();
        String failingTry = "/TransInTry-" + gid;
        branches.script(failingTry, ScriptedBranches.Answer.FAILURE);

        assertThatThrownBy(() -> dtm.tccGlobalTransaction(gid, tcc -> {
            tcc.callBranch(Map.of("amount", 30), branches.url("/TransOutTry"), branches.url("/TransOutConfirm"),
                    branches.url("/TransOutCancel"));
            tcc.callBranch(Map.of("amount", 30), branches.url(failingTry), branches.url("/TransInConfirm"),
                    branches.url("/TransInCancel"));
        })).isInstanceOf(Exception.class);

        assertThat(awaitEnd(gid)).isEqualTo(TransStatus.FAILED);
        assertThat(branches.trace(gid)).containsExactly("/TransOutTry try", failingTry + " try",
                "/TransInCancel cancel", "/TransOutCancel cancel");
        assertThat(client.query(gid).branches()).extracting(b -> b.status().wire())
                .containsExactly("succeed", "prepared", "succeed", "prepared");
    }

    /** A refused action: the saga is compensated, the last attempted step first; wait_result reports the failure. */
    @Test
    void sagaFailureIsCompensated() {
        String gid = "dtm-java-saga-fail-" + UUID.randomUUID();
        String transIn = "/TransIn-" + gid;
        branches.script(transIn, ScriptedBranches.Answer.FAILURE);
        assertThatThrownBy(() -> dtm.newSaga(gid)
                .add(branches.url("/TransOut"), branches.url("/TransOutCompensate"), Map.of("amount", 30))
                .add(branches.url(transIn), branches.url("/TransInCompensate"), Map.of("amount", 30))
                .enableWaitResult()
                .submit()).isInstanceOf(Exception.class);
        assertThat(awaitEnd(gid)).isEqualTo(TransStatus.FAILED);
        assertThat(branches.trace(gid)).containsExactly("/TransOut action", transIn + " action",
                "/TransInCompensate compensate", "/TransOutCompensate compensate");
    }

    /** Concurrent, with DTM's branch orders: step 2 runs once steps 0 and 1 have succeeded. */
    @Test
    void concurrentSagaHonoursItsBranchOrders() throws Exception {
        String gid = "dtm-java-concurrent-" + UUID.randomUUID();
        branches.script("/Slow-" + gid, ScriptedBranches.Answer.stall(300));
        dtm.newSaga(gid)
                .add(branches.url("/Slow-" + gid), branches.url("/C0"), Map.of("n", 0))
                .add(branches.url("/Fast"), branches.url("/C1"), Map.of("n", 1))
                .add(branches.url("/Last"), branches.url("/C2"), Map.of("n", 2))
                .addBranchOrder(2, List.of(0, 1))
                .enableConcurrent()
                .enableWaitResult()
                .submit();
        assertThat(awaitEnd(gid)).isEqualTo(TransStatus.SUCCEEDED);
        List<String> trace = branches.trace(gid);
        assertThat(trace).containsExactlyInAnyOrder("/Slow-" + gid + " action", "/Fast action", "/Last action");
        assertThat(trace.getLast()).isEqualTo("/Last action");
        Map<String, Long> at = new java.util.HashMap<>();
        branches.calls(gid).forEach(c -> at.put(c.path(), c.receivedNanos()));
        assertThat(Math.abs(at.get("/Fast") - at.get("/Slow-" + gid))).as("steps 0 and 1 at once")
                .isLessThan(250_000_000L);
        assertThat(at.get("/Last") - at.get("/Slow-" + gid)).as("step 2 after step 0 answered")
                .isGreaterThanOrEqualTo(300_000_000L);
    }

    /** DTM's TestSagaEmptyUrl, sent by DTM's client: an empty action succeeds at once. */
    @Test
    void emptyUrlsAreInstantSuccesses() throws Exception {
        String gid = "dtm-java-empty-" + UUID.randomUUID();
        dtm.newSaga(gid)
                .add(branches.url("/TransOut"), "", Map.of("amount", 30))
                .add("", "", Map.of("amount", 30))
                .enableWaitResult()
                .submit();
        assertThat(awaitEnd(gid)).isEqualTo(TransStatus.SUCCEEDED);
        assertThat(branches.trace(gid)).containsExactly("/TransOut action");
    }

    /**
     * DTM's own {@code BranchBarrier} in the branches of a TCC transaction (on MariaDB, in the table its code writes,
     * {@code barrier}), driven by this coordinator: the refused try rolls back, the other try is cancelled once, the
     * refused try's cancel is empty, and a late duplicate of that try changes nothing. (Its 2.1.4 barrier knows the
     * empty compensation of TCC's cancel only: for a saga it runs the compensation of an action that never ran —
     * DTM's client's bug, not exercised here.)
     */
    @Test
    void dtmsOwnBarrierWorksInTheBranches() throws Exception {
        TestServices.requireMariaDb();
        String url = TestServices.MARIADB_URL + "?user=" + TestServices.MARIADB_USER;
        String effects = "dtm_effects_" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 20, 36);
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            JdbcBarrier.of(JdbcBarrier.Dialect.MYSQL).createTableIfMissing(c); // the columns DTM's barrier writes
            st.execute("CREATE TABLE " + effects + " (gid VARCHAR(128), what VARCHAR(64))");
        }
        HttpServer service = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        service.createContext("/", ex -> {
            try (ex) {
                Map<String, String[]> params = new java.util.HashMap<>();
                for (String kv : ex.getRequestURI().getRawQuery().split("&")) {
                    int i = kv.indexOf('=');
                    params.put(kv.substring(0, i), new String[] {java.net.URLDecoder.decode(kv.substring(i + 1),
                            java.nio.charset.StandardCharsets.UTF_8)});
                }
                ex.getRequestBody().readAllBytes();
                String path = ex.getRequestURI().getPath();
                int status;
                try (Connection c = DriverManager.getConnection(url)) {
                    new BranchBarrier(params).call(c, bb -> {
                        if (path.equals("/in/try")) {
                            throw new FailureException("insufficient balance");
                        }
                        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + effects + " VALUES (?, ?)")) {
                            ps.setString(1, params.get("gid")[0]);
                            ps.setString(2, path + " " + params.get("op")[0]);
                            ps.executeUpdate();
                        }
                    });
                    status = 200;
                } catch (FailureException e) {
                    status = 409;
                } catch (Exception e) {
                    status = 500;
                }
                byte[] body = (status == 409 ? "{\"dtm_result\":\"FAILURE\"}" : "{\"dtm_result\":\"SUCCESS\"}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                ex.sendResponseHeaders(status, body.length);
                ex.getResponseBody().write(body);
            }
        });
        service.start();
        String base = "http://127.0.0.1:" + service.getAddress().getPort();
        String gid = "dtm-java-barrier-" + UUID.randomUUID();
        try {
            assertThatThrownBy(() -> dtm.tccGlobalTransaction(gid, tcc -> {
                tcc.callBranch(Map.of("amount", 30), base + "/out/try", base + "/out/confirm", base + "/out/cancel");
                tcc.callBranch(Map.of("amount", 30), base + "/in/try", base + "/in/confirm", base + "/in/cancel");
            })).isInstanceOf(Exception.class);
            assertThat(awaitEnd(gid)).isEqualTo(TransStatus.FAILED);
            HttpResponse<String> late = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base
                    + "/in/try?gid=" + gid + "&trans_type=tcc&branch_id=02&op=try")).POST(
                    HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(late.statusCode()).isEqualTo(200);
            List<String> done = new java.util.ArrayList<>();
            try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT what FROM " + effects + " WHERE gid = '" + gid + "'")) {
                while (rs.next()) {
                    done.add(rs.getString(1));
                }
            }
            assertThat(done).containsExactlyInAnyOrder("/out/try try", "/out/cancel cancel");
        } finally {
            service.stop(0);
            try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
                st.execute("DROP TABLE IF EXISTS " + effects);
            }
        }
    }

    /** DTM's Java saga, for completeness: it passed before TCC did. */
    @Test
    void sagaRunsItsActionsInOrder() throws Exception {
        String gid = "dtm-java-saga-" + UUID.randomUUID();
        dtm.newSaga(gid)
                .add(branches.url("/TransOut"), branches.url("/TransOutCompensate"), Map.of("amount", 30))
                .add(branches.url("/TransIn"), branches.url("/TransInCompensate"), Map.of("amount", 30))
                .submit();
        assertThat(awaitEnd(gid)).isEqualTo(TransStatus.SUCCEEDED);
        assertThat(branches.trace(gid)).containsExactly("/TransOut action", "/TransIn action");
    }
}
