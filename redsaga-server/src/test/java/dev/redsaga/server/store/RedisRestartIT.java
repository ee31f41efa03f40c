package dev.redsaga.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.client.RedsagaClient;
import dev.redsaga.client.RedsagaException;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.RedisServerProcess;
import dev.redsaga.server.testing.ScriptedBranches;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import dev.redsaga.client.testing.TestServices;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redis killed -9 and restarted in the middle of the load (its own redis-server, AOF with appendfsync always):
 * no acknowledged saga is lost, and every one of them finishes.
 */
class RedisRestartIT {
    @TempDir
    Path dir;

    @Test
    void noAcknowledgedSagaIsLostWhenRedisRestartsMidLoad() throws Exception {
        TestServices.requireRedis(); // the redis-server binary comes with the local Redis
        EngineOptions engine = new EngineOptions(1_000, 100, 1_000, 3_000, 100, 200, 512);
        try (RedisServerProcess redis = new RedisServerProcess(dir).start();
             ScriptedBranches branches = new ScriptedBranches();
             RedsagaServer server = RedsagaServer.start(new ServerConfig("127.0.0.1", 0, redis.uri(), engine,
                     ServerConfig.DEFAULT_MAX_REQUEST_BYTES, "restart-it"))) {
            RedsagaClient client = RedsagaClient.builder(server.baseUrl()).timeout(Duration.ofSeconds(20)).build();
            List<String> acknowledged = new ArrayList<>();
            int refused = 0;
            for (int i = 0; i < 60; i++) {
                if (i == 20) {
                    redis.kill9();
                }
                if (i == 30) {
                    redis.start();
                    // Lettuce reconnects on its own backoff; the submits after this point count on it
                    Await.until(Duration.ofSeconds(30), "the store to reconnect to the restarted Redis", () -> {
                        try {
                            server.store().find("reconnect-probe");
                            return true;
                        } catch (StoreException e) {
                            return false;
                        }
                    });
                }
                String gid = "restart-" + i + "-" + client.newGid();
                branches.script("/" + gid + "/b", Answer.stall(300));
                try {
                    client.saga(gid)
                            .step(branches.url("/" + gid + "/a"), branches.url("/" + gid + "/a-undo"), "{}")
                            .step(branches.url("/" + gid + "/b"), branches.url("/" + gid + "/b-undo"), "{}")
                            .submit();
                    acknowledged.add(gid);
                } catch (RedsagaException e) {
                    refused++; // the store was down: refused, not lost
                    assertThat(e.httpStatus()).as(e.getMessage()).isEqualTo(503);
                }
            }
            assertThat(acknowledged).hasSize(50); // 20 before the kill, 30 after the reconnect
            assertThat(refused).isEqualTo(10);
            Await.until(Duration.ofSeconds(60), "every acknowledged saga to finish", () -> acknowledged.stream()
                    .allMatch(g -> server.store().find(g).map(r -> r.status().isTerminal()).orElse(false)));
            for (String gid : acknowledged) {
                assertThat(server.store().find(gid)).as(gid).isPresent();
                assertThat(server.store().find(gid).orElseThrow().status()).as(gid).isEqualTo(TransStatus.SUCCEEDED);
            }
            System.out.println("acknowledged " + acknowledged.size() + ", refused while Redis was down " + refused);
        }
    }
}
