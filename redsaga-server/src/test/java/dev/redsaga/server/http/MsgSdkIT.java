package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.redsaga.client.BranchAnswer;
import dev.redsaga.client.RedsagaClient;
import dev.redsaga.client.barrier.BranchBarrier;
import dev.redsaga.client.barrier.JdbcBarrier;
import dev.redsaga.client.testing.TestServices;
import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.Outcome;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.RawApi;
import dev.redsaga.server.testing.ScriptedBranches;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SDK's 2-phase message against a real coordinator, with the business's local transaction on real PostgreSQL
 * and MariaDB: the message is sent exactly when the local transaction committed — also when the process "dies"
 * between its commit and its submit (the coordinator's back-check asks the barrier), and when the back-check comes
 * before the local transaction (which then must not commit). The invariant checked in each case: a credit call
 * reached the receiving service if and only if the order row exists.
 */
class MsgSdkIT {
    RedsagaServer server;
    ScriptedBranches receiver;
    HttpServer sender;
    HikariDataSource db;
    JdbcBarrier barrier;
    RedsagaClient client;
    String orders;

    void open(String database) throws Exception {
        String url;
        if (database.equals("postgresql")) {
            TestServices.requirePostgres();
            url = TestServices.POSTGRES_URL + "?user=" + TestServices.POSTGRES_USER;
        } else {
            TestServices.requireMariaDb();
            url = TestServices.MARIADB_URL + "?user=" + TestServices.MARIADB_USER;
        }
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(url);
        cfg.setMaximumPoolSize(4);
        db = new HikariDataSource(cfg);
        String suffix = Long.toString(ThreadLocalRandom.current().nextLong() >>> 20, 36);
        orders = "msg_orders_" + suffix;
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            barrier = JdbcBarrier.of(JdbcBarrier.dialectOf(c), "msg_barrier_" + suffix);
            barrier.createTableIfMissing(c);
            s.execute("CREATE TABLE " + orders + " (gid VARCHAR(128) PRIMARY KEY)");
        }
        server = RedsagaServer.start(ServerConfig.builder().port(0).store("h2:mem:msgsdk-" + UUID.randomUUID())
                .engine(EngineOptions.builder().defaultRetryIntervalMs(200).retryCapMs(2_000).claimBatch(100)
                .pollIntervalMs(100).maxConcurrentDrives(64).build()).maxRequestBytes(1 << 20)
                .instanceId("it-" + UUID.randomUUID()).build());
        receiver = new ScriptedBranches();
        client = RedsagaClient.builder(server.baseUrl()).build();
        // the sending service's query-prepared endpoint, answered by the barrier
        sender = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        sender.createContext("/orders/query-prepared", ex -> {
            try (ex) {
                String gid = ex.getRequestURI().getQuery().replaceAll(".*gid=([^&]*).*", "$1");
                BranchAnswer answer;
                try (Connection c = db.getConnection()) {
                    answer = BranchAnswer.of(barrier.queryPrepared(c, java.net.URLDecoder.decode(gid,
                            StandardCharsets.UTF_8)));
                } catch (SQLException e) {
                    answer = BranchAnswer.retryLater(e.getMessage());
                }
                byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(answer.status(), body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        sender.start();
    }

    @AfterEach
    void close() throws SQLException {
        if (db == null) {
            return;
        }
        sender.stop(0);
        receiver.close();
        server.close();
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + orders);
            s.execute("DROP TABLE IF EXISTS msg_barrier_" + orders.substring("msg_orders_".length()));
        }
        db.close();
    }

    String queryPreparedUrl() {
        return "http://127.0.0.1:" + sender.getAddress().getPort() + "/orders/query-prepared";
    }

    JdbcBarrier.Business placeOrder(String gid) {
        return tx -> {
            try (PreparedStatement ps = tx.prepareStatement("INSERT INTO " + orders + " VALUES (?)")) {
                ps.setString(1, gid);
                ps.executeUpdate();
            }
            return Outcome.SUCCESS;
        };
    }

    boolean orderExists(String gid) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT gid FROM " + orders + " WHERE gid = ?")) {
            ps.setString(1, gid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    String status(String gid) {
        var t = client.query(gid).transaction();
        return t == null ? null : t.status().wire();
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb"})
    void theCreditIsSentExactlyWhenTheOrderCommitted(String database) throws Exception {
        open(database);
        String ok = client.newGid();
        assertThat(client.msg(ok).add(receiver.url("/credit"), "{\"amount\":30}")
                .doAndSubmitDb(queryPreparedUrl(), db, barrier, placeOrder(ok))).isEqualTo(Outcome.SUCCESS);
        Await.until(Duration.ofSeconds(10), ok + " succeed", () -> "succeed".equals(status(ok)));
        assertThat(orderExists(ok)).isTrue();
        assertThat(receiver.trace(ok)).containsExactly("/credit action");

        String refused = client.newGid();
        assertThat(client.msg(refused).add(receiver.url("/credit"), "{\"amount\":30}")
                .doAndSubmitDb(queryPreparedUrl(), db, barrier, tx -> {
                    placeOrder(refused).run(tx);
                    return Outcome.FAILURE; // e.g. out of stock: rolled back, the message aborted
                })).isEqualTo(Outcome.FAILURE);
        assertThat(status(refused)).isEqualTo("failed");
        assertThat(orderExists(refused)).isFalse();

        String thrown = client.newGid();
        assertThatThrownBy(() -> client.msg(thrown).add(receiver.url("/credit"), "{\"amount\":30}")
                .doAndSubmitDb(queryPreparedUrl(), db, barrier, tx -> {
                    placeOrder(thrown).run(tx);
                    throw new IllegalStateException("the business broke");
                })).hasMessage("the business broke");
        assertThat(status(thrown)).as("settled by asking the barrier").isEqualTo("failed");
        assertThat(orderExists(thrown)).isFalse();
        Thread.sleep(300);
        assertThat(receiver.calls(refused)).isEmpty();
        assertThat(receiver.calls(thrown)).isEmpty();
    }

    /**
     * The process dies after its commit and before its submit, or before its commit: the coordinator's back-check
     * settles each message as its local transaction did.
     */
    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb"})
    void aMessageWhoseSenderDiedIsSettledByTheBackCheck(String database) throws Exception {
        open(database);
        String committed = client.newGid();
        client.msg(committed).add(receiver.url("/credit"), "{\"amount\":30}").timeoutToFail(Duration.ofSeconds(1))
                .prepare(queryPreparedUrl());
        try (Connection c = db.getConnection()) {
            assertThat(barrier.call(c, new BranchBarrier("msg", committed, "00", BranchOp.MSG), placeOrder(committed)))
                    .isEqualTo(Outcome.SUCCESS);
        } // ... and no submit

        String neverRan = client.newGid();
        client.msg(neverRan).add(receiver.url("/credit"), "{\"amount\":30}").timeoutToFail(Duration.ofSeconds(1))
                .prepare(queryPreparedUrl());

        Await.until(Duration.ofSeconds(20), "both settled",
                () -> "succeed".equals(status(committed)) && "failed".equals(status(neverRan)));
        assertThat(receiver.trace(committed)).containsExactly("/credit action");
        assertThat(receiver.calls(neverRan)).isEmpty();
        // the sender comes back and runs its local transaction after all: too late, refused
        try (Connection c = db.getConnection()) {
            assertThat(barrier.call(c, new BranchBarrier("msg", neverRan, "00", BranchOp.MSG), placeOrder(neverRan)))
                    .isEqualTo(Outcome.FAILURE);
        }
        assertThat(orderExists(neverRan)).isFalse();
    }

    /** DTM's TestMsgDoAndSubmitBusiLater: the back-check came first, so the business does not run. */
    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb"})
    void aLocalTransactionAfterTheBackCheckDoesNotRun(String database) throws Exception {
        open(database);
        String gid = client.newGid();
        HttpResponse<String> check = HttpClient.newHttpClient().send(HttpRequest.newBuilder(java.net.URI.create(
                queryPreparedUrl() + "?gid=" + gid + "&trans_type=msg&branch_id=00&op=msg")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(check.statusCode()).isEqualTo(409);
        assertThat(client.msg(gid).add(receiver.url("/credit"), "{\"amount\":30}")
                .doAndSubmitDb(queryPreparedUrl(), db, barrier, placeOrder(gid))).isEqualTo(Outcome.FAILURE);
        assertThat(orderExists(gid)).isFalse();
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(new RawApi(server.baseUrl()).get("query?gid=" + gid).body()).contains("\"trans_type\":\"msg\"");
    }
}
