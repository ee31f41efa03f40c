package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.redsaga.client.BranchAnswer;
import dev.redsaga.client.RedsagaClient;
import dev.redsaga.client.Xa;
import dev.redsaga.client.barrier.BranchBarrier;
import dev.redsaga.client.barrier.JdbcBarrier;
import dev.redsaga.client.barrier.XaBranch;
import dev.redsaga.client.testing.TestServices;
import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.testing.Await;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mariadb.jdbc.MariaDbDataSource;

/**
 * The SDK's XA, end to end on MariaDB: a transfer whose two branches each run as a prepared XA transaction branch
 * and are committed, or rolled back, by a real coordinator; a rollback that comes before its action makes the late
 * action do nothing; nothing stays prepared in the database afterwards.
 */
class XaSdkIT {
    static final String URL = TestServices.MARIADB_URL + "?user=" + TestServices.MARIADB_USER;

    RedsagaServer server;
    RedsagaClient client;
    HttpServer bank;
    XaBranch xa;
    String accounts;
    String barrierTable;

    @BeforeEach
    void start() throws Exception {
        TestServices.requireMariaDb();
        String suffix = Long.toString(ThreadLocalRandom.current().nextLong() >>> 20, 36);
        accounts = "xa_accounts_" + suffix;
        barrierTable = "xa_barrier_" + suffix;
        JdbcBarrier barrier = JdbcBarrier.of(JdbcBarrier.Dialect.MYSQL, barrierTable);
        try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
            barrier.createTableIfMissing(c);
            s.execute("CREATE TABLE " + accounts + " (id INT PRIMARY KEY, balance INT NOT NULL)");
            s.execute("INSERT INTO " + accounts + " VALUES (1, 100), (2, 0)");
        }
        server = RedsagaServer.start(ServerConfig.builder().port(0).store("h2:mem:xasdk-" + UUID.randomUUID())
                .engine(EngineOptions.builder().defaultRetryIntervalMs(200).retryCapMs(2_000).claimBatch(100)
                .pollIntervalMs(100).maxConcurrentDrives(64).build()).maxRequestBytes(1 << 20)
                .instanceId("it-" + UUID.randomUUID()).build());
        client = RedsagaClient.builder(server.baseUrl()).build();
        MariaDbDataSource xaDataSource = new MariaDbDataSource(URL);
        xa = XaBranch.of(xaDataSource, barrier, client);
        bank = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        bank.createContext("/xa/out", ex -> branch(ex, -30, 1));
        bank.createContext("/xa/in", ex -> branch(ex, 30, 2));
        bank.start();
    }

    @AfterEach
    void stop() throws SQLException {
        if (bank == null) {
            return;
        }
        bank.stop(0);
        server.close();
        try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + accounts);
            s.execute("DROP TABLE IF EXISTS " + barrierTable);
        }
    }

    String url(String path) {
        return "http://127.0.0.1:" + bank.getAddress().getPort() + path;
    }

    /** A branch endpoint as a service writes it: the XA helper, the business, the answer. */
    void branch(HttpExchange ex, int delta, int account) throws IOException {
        try (ex) {
            Map<String, String> q = new HashMap<>();
            for (String kv : ex.getRequestURI().getRawQuery().split("&")) {
                int i = kv.indexOf('=');
                q.put(kv.substring(0, i), URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8));
            }
            ex.getRequestBody().readAllBytes();
            BranchAnswer answer;
            try {
                answer = BranchAnswer.of(xa.handle(BranchBarrier.from(q), url(ex.getRequestURI().getPath()), tx -> {
                    try (PreparedStatement ps = tx.prepareStatement("UPDATE " + accounts
                            + " SET balance = balance + ? WHERE id = ? AND balance + ? >= 0")) {
                        ps.setInt(1, delta);
                        ps.setInt(2, account);
                        ps.setInt(3, delta);
                        return ps.executeUpdate() == 1 ? Outcome.SUCCESS : Outcome.FAILURE;
                    }
                }));
            } catch (SQLException | RuntimeException e) {
                answer = new BranchAnswer(Outcome.TRANSIENT, e.toString());
            }
            byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(answer.status(), body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    int balance(int id) throws SQLException {
        try (Connection c = DriverManager.getConnection(URL);
             PreparedStatement ps = c.prepareStatement("SELECT balance FROM " + accounts + " WHERE id = ?")) {
            ps.setInt(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** XA transactions of {@code gid} still prepared in the database. */
    int preparedOf(String gid) throws SQLException {
        int n = 0;
        try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("XA RECOVER")) {
            while (rs.next()) {
                n += rs.getString("data").startsWith(gid) ? 1 : 0;
            }
        }
        return n;
    }

    TransStatus status(String gid) {
        var t = client.query(gid).transaction();
        return t == null ? null : t.status();
    }

    @Test
    void aTransferCommitsBothBranchesOnSubmit() throws Exception {
        String gid = client.newGid();
        client.xa(gid, x -> {
            x.callBranch("{}", url("/xa/out"));
            x.callBranch("{}", url("/xa/in"));
        });
        Await.until(Duration.ofSeconds(10), gid + " succeed", () -> status(gid) == TransStatus.SUCCEEDED);
        assertThat(balance(1)).isEqualTo(70);
        assertThat(balance(2)).isEqualTo(30);
        assertThat(preparedOf(gid)).isZero();
    }

    @Test
    void aRefusedBranchRollsBackTheOtherPreparedOne() throws Exception {
        // 100 to transfer: the first 30 leave 70; four transfers go, the fifth is refused (insufficient)
        for (int i = 0; i < 3; i++) {
            String ok = client.newGid();
            client.xa(ok, x -> {
                x.callBranch("{}", url("/xa/out"));
                x.callBranch("{}", url("/xa/in"));
            });
            Await.until(Duration.ofSeconds(10), ok + " succeed", () -> status(ok) == TransStatus.SUCCEEDED);
        }
        // now the order is reversed: /xa/in prepares first, then /xa/out refuses (10 left, 30 wanted)
        String gid = client.newGid();
        assertThatThrownBy(() -> client.xa(gid, x -> {
            x.callBranch("{}", url("/xa/in"));
            x.callBranch("{}", url("/xa/out"));
        })).isInstanceOf(Xa.BranchRefusedException.class).hasMessageContaining("branch 02");
        Await.until(Duration.ofSeconds(10), gid + " failed", () -> status(gid) == TransStatus.FAILED);
        assertThat(balance(1)).isEqualTo(10);
        assertThat(balance(2)).isEqualTo(90);
        assertThat(preparedOf(gid)).as("the prepared /xa/in was rolled back").isZero();
    }

    /** The coordinator's rollback reached the branch before its action (the action's request was slow). */
    @Test
    void anActionAfterItsRollbackDoesNothing() throws Exception {
        String gid = client.newGid();
        Map<String, String> q = Map.of("gid", gid, "trans_type", "xa", "branch_id", "01", "op", "rollback");
        assertThat(xa.handle(BranchBarrier.from(q), url("/xa/out"), tx -> {
            throw new AssertionError("a rollback runs no business");
        })).isEqualTo(Outcome.SUCCESS);
        Map<String, String> late = Map.of("gid", gid, "trans_type", "xa", "branch_id", "01", "op", "action");
        assertThat(xa.handle(BranchBarrier.from(late), url("/xa/out"), tx -> {
            throw new AssertionError("the late action ran its business");
        })).isEqualTo(Outcome.FAILURE);
        assertThat(balance(1)).isEqualTo(100);
        assertThat(preparedOf(gid)).isZero();
        // a commit or a rollback sent again finds nothing to do and says so with success
        Map<String, String> again = Map.of("gid", gid, "trans_type", "xa", "branch_id", "01", "op", "commit");
        assertThat(xa.handle(BranchBarrier.from(again), url("/xa/out"), tx -> Outcome.SUCCESS))
                .isEqualTo(Outcome.SUCCESS);
    }
}
