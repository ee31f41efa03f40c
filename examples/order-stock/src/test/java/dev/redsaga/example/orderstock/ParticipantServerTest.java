package dev.redsaga.example.orderstock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.protocol.BranchDeadline;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A demo service sheds what it cannot do in time: a request read after its deadline, or still waiting for a
 * database connection when its deadline passes, is answered 503 at once and changes nothing.
 */
class ParticipantServerTest {
    static final int STOCK = 100;
    OrderStockSystem system;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeEach
    void start() throws Exception {
        system = OrderStockSystem.start(Backend.H2, STOCK, true, Faults.none(), 1_000);
    }

    @AfterEach
    void stop() {
        system.close();
    }

    CompletableFuture<HttpResponse<String>> deduct(String gid, long deadline) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(system.stockService().url("/stock/deduct")
                        + "?gid=" + gid + "&trans_type=saga&branch_id=02&op=action"))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"user_id\":1,\"product_id\":\"" + OrderStockSystem.PRODUCT + "\",\"qty\":1}"));
        if (deadline != BranchDeadline.NONE) {
            r.header(BranchDeadline.HEADER, Long.toString(deadline));
        }
        return http.sendAsync(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    int available() throws Exception {
        try (Connection c = system.stockDatabase().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT available FROM stock WHERE product_id = ?")) {
            ps.setString(1, OrderStockSystem.PRODUCT);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Test
    void aRequestPastItsDeadlineIsAnswered503AndChangesNothing() throws Exception {
        HttpResponse<String> late = deduct("late-1", System.currentTimeMillis() - 1).get();

        assertThat(late.statusCode()).isEqualTo(503);
        assertThat(late.body()).contains("deadline");
        assertThat(available()).isEqualTo(STOCK);
        assertThat(system.stockService().shed()).isEqualTo(1);

        assertThat(deduct("late-1", System.currentTimeMillis() + 5_000).get().statusCode()).isEqualTo(200);
        assertThat(deduct("no-deadline", BranchDeadline.NONE).get().statusCode()).isEqualTo(200);
        assertThat(available()).isEqualTo(STOCK - 2);
    }

    @Test
    void aRequestWaitingForAConnectionPastItsDeadlineIsAnswered503() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> busy = new ArrayList<>();
        // a connection of its own, outside the service's pool
        try (Connection lock = DriverManager.getConnection(system.stockDatabase().getJdbcUrl());
             Statement s = lock.createStatement()) {
            lock.setAutoCommit(false);
            // hold the stock row: every deduction blocks on it, each holding one of the service's permits
            s.executeUpdate("UPDATE stock SET available = available WHERE product_id = '"
                    + OrderStockSystem.PRODUCT + "'");
            for (int i = 0; i < OrderStockSystem.POOL_SIZE; i++) {
                busy.add(deduct("busy-" + i, System.currentTimeMillis() + 20_000));
            }
            long until = System.nanoTime() + 10_000_000_000L;
            while (system.stockDatabase().getHikariPoolMXBean().getActiveConnections() < OrderStockSystem.POOL_SIZE
                    && System.nanoTime() < until) {
                Thread.sleep(20);
            }

            long started = System.nanoTime();
            HttpResponse<String> shed = deduct("waits-too-long", System.currentTimeMillis() + 300).get();
            long waitedMs = (System.nanoTime() - started) / 1_000_000;

            assertThat(shed.statusCode()).isEqualTo(503);
            assertThat(shed.body()).contains("waited for a database connection");
            assertThat(waitedMs).as("it waited for its deadline, not for the lock").isLessThan(5_000);
            lock.rollback();
        }
        for (CompletableFuture<HttpResponse<String>> f : busy) {
            assertThat(f.get().statusCode()).isEqualTo(200);
        }
        assertThat(available()).isEqualTo(STOCK - busy.size());
        assertThat(system.stockService().shed()).isEqualTo(1);
    }
}
