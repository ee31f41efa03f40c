package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.client.testing.TestServices;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.RawApi;
import dev.redsaga.server.testing.ServerProcess;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator with a small heap and transactions that carry large payloads: the listing a UI or {@code tx list}
 * asks for reads summaries, so it fits; the instance stays whole and goes on. (Before, {@code all?limit=1000} read
 * every definition, ran out of memory, and left a process that answered "nothing was done" for a write it had done
 * and recovered nothing; the launcher now also runs the JVM with {@code -XX:+ExitOnOutOfMemoryError}.)
 */
class SmallHeapIT {
    static final String PG = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    static final int SAGAS = 100;
    static final int PAYLOAD_CHARS = 900_000;

    @TempDir
    Path dir;

    @Test
    void aListingOfLargeTransactionsFitsASmallHeapAndTheInstanceGoesOn() throws Exception {
        TestServices.requirePostgres();
        String schema = "rs_heap_" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);
        try (Connection c = DriverManager.getConnection(PG); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        try (ServerProcess server = ServerProcess.startWithHeap("96m", dir.resolve("server.log"), "--store",
                PG + "&currentSchema=" + schema)) {
            RawApi api = new RawApi(server.baseUrl());
            String payload = "\"" + "x".repeat(PAYLOAD_CHARS) + "\"";
            for (int i = 0; i < SAGAS; i++) {
                HttpResponse<String> r = api.post("submit", "{\"gid\":\"heap-" + i + "\",\"trans_type\":\"saga\","
                        + "\"steps\":[{\"action\":\"\",\"compensate\":\"\"}],\"payloads\":[" + payload + "]}");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            }

            HttpResponse<String> all = api.get("all?limit=1000");
            assertThat(all.statusCode()).as(all.body()).isEqualTo(200);
            assertThat(all.body().split("\"gid\":\"heap-", -1)).hasSize(SAGAS + 1);
            assertThat(all.body().length()).as("summaries only").isLessThan(SAGAS * 1_000);
            HttpResponse<String> none = api.get("all?gidPrefix=zzz&limit=25");
            assertThat(none.statusCode()).as(none.body()).isEqualTo(200);

            assertThat(server.isAlive()).isTrue();
            assertThat(api.send("GET", "/health/ready", null).statusCode()).isEqualTo(200);
            assertThat(api.post("submit", "{\"gid\":\"after-the-listing\",\"trans_type\":\"saga\","
                    + "\"steps\":[{\"action\":\"\",\"compensate\":\"\"}]}").statusCode()).isEqualTo(200);
            Await.until(Duration.ofSeconds(10), "the saga after the listing to succeed",
                    () -> api.get("query?gid=after-the-listing").body().contains("\"status\":\"succeed\""));
        } finally {
            try (Connection c = DriverManager.getConnection(PG); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }
}
