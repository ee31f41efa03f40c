package dev.redsaga.example.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.example.spring.order.OrderApplication;
import dev.redsaga.example.spring.stock.StockApplication;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.store.TransactionRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The two Spring Boot services, as a user would write them with the starter, each with its own database, and a
 * real coordinator: purchases run as sagas; afterwards the databases and the coordinator's store agree saga by saga
 * (an order exists for each saga, created for each that succeeded, cancelled for each that failed; the stock sold
 * equals the sagas that succeeded), and a branch request delivered twice changes nothing.
 */
class SpringOrderStockIT {
    static final int STOCK = 3;
    static final int PURCHASES = 8;
    static RedsagaServer coordinator;
    static ConfigurableApplicationContext stock;
    static ConfigurableApplicationContext orders;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        coordinator = RedsagaServer.start(ServerConfig.builder().port(0).store("h2:mem:spring-it-" + UUID.randomUUID())
                .instanceId("spring-it").build());
        // as main() starts them, the settings of the test given as command-line arguments (over the files')
        stock = new SpringApplicationBuilder(StockApplication.class).properties("spring.config.name=stock").run(
                "--server.port=0", "--server.address=127.0.0.1",
                "--spring.datasource.url=jdbc:h2:mem:stock-" + UUID.randomUUID(), "--stock.initial=" + STOCK);
        orders = new SpringApplicationBuilder(OrderApplication.class).properties("spring.config.name=order").run(
                "--server.port=0", "--server.address=127.0.0.1",
                "--spring.datasource.url=jdbc:h2:mem:orders-" + UUID.randomUUID(),
                "--redsaga.client.url=" + coordinator.baseUrl(), "--stock.url=" + url(stock));
    }

    @AfterAll
    static void stop() {
        if (orders != null) {
            orders.close();
        }
        if (stock != null) {
            stock.close();
        }
        coordinator.close();
    }

    static String url(ConfigurableApplicationContext app) {
        return "http://127.0.0.1:" + ((WebServerApplicationContext) app).getWebServer().getPort();
    }

    static HttpResponse<String> post(String url, String json) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void purchasesRunAsSagasAndTheDatabasesAgreeWithTheCoordinator() throws Exception {
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        try (ExecutorService buyers = Executors.newFixedThreadPool(4)) {
            for (int i = 0; i < PURCHASES; i++) {
                String body = "{\"userId\":" + i + ",\"productId\":1,\"qty\":1}";
                answers.add(buyers.submit((Callable<HttpResponse<String>>) () -> post(url(orders) + "/purchases", body)));
            }
        }
        int succeeded = 0;
        int failed = 0;
        for (Future<HttpResponse<String>> f : answers) {
            HttpResponse<String> r = f.get();
            assertThat(r.statusCode()).as(r.body()).isIn(200, 409);
            if (r.statusCode() == 200) {
                succeeded++;
            } else {
                failed++;
            }
        }
        assertThat(succeeded).isEqualTo(STOCK);
        assertThat(failed).isEqualTo(PURCHASES - STOCK);

        JdbcTemplate ordersDb = orders.getBean(JdbcTemplate.class);
        JdbcTemplate stockDb = stock.getBean(JdbcTemplate.class);
        assertThat(stockDb.queryForObject("SELECT available FROM stock WHERE product_id = 1", Integer.class)).isZero();
        List<Map<String, Object>> rows = ordersDb.queryForList("SELECT gid, status FROM orders");
        assertThat(rows).hasSize(PURCHASES);
        for (Map<String, Object> row : rows) {
            TransactionRecord saga = coordinator.store().find((String) row.get("GID")).orElseThrow();
            assertThat(row.get("STATUS")).as(saga.gid()).isEqualTo(
                    saga.status() == TransStatus.SUCCEEDED ? "created" : "cancelled");
            assertThat(saga.status()).isIn(TransStatus.SUCCEEDED, TransStatus.FAILED);
        }

        // a deduct delivered again for a saga that succeeded: answered SUCCESS, nothing taken twice
        String done = (String) rows.stream().filter(r -> "created".equals(r.get("STATUS"))).findFirst()
                .orElseThrow().get("GID");
        HttpResponse<String> again = post(url(stock) + "/stock/deduct?gid=" + done
                + "&trans_type=saga&branch_id=02&op=action", "{\"userId\":0,\"productId\":1,\"qty\":1}");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).contains("SUCCESS");
        stockDb.update("UPDATE stock SET available = 1 WHERE product_id = 1");
        assertThat(post(url(stock) + "/stock/deduct?gid=" + done + "&trans_type=saga&branch_id=02&op=action",
                "{\"userId\":0,\"productId\":1,\"qty\":1}").statusCode()).isEqualTo(200);
        assertThat(stockDb.queryForObject("SELECT available FROM stock WHERE product_id = 1", Integer.class))
                .isEqualTo(1);
    }

    @Test
    void aRequestThatIsNotACoordinatorsIsRefused() throws Exception {
        HttpResponse<String> r = post(url(stock) + "/stock/deduct?gid=x", "{\"userId\":0,\"productId\":1,\"qty\":1}");
        assertThat(r.statusCode()).isEqualTo(400);
    }
}
