package dev.redsaga.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redsaga.client.RedsagaClient;
import dev.redsaga.client.RedsagaException;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.store.redis.RedisTransactionStore;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.RedisServerProcess;
import dev.redsaga.server.testing.ScriptedBranches;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import dev.redsaga.client.testing.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
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

    /**
     * A write that reached Redis and got no answer in time is reported as "outcome unknown" — and indeed it
     * happens, later; a write refused while Redis is down is reported as not done.
     */
    @Test
    void aTimedOutWriteIsUnknownAndARefusedOneIsNotDone() throws Exception {
        TestServices.requireRedis();
        try (RedisServerProcess redis = new RedisServerProcess(dir).start();
             RedisTransactionStore store = RedisTransactionStore.open(redis.uri(),
                     RedisTransactionStore.Options.defaults())) {
            store.insertIfAbsent(new TransactionRecord("warm", "saga", TransStatus.SUBMITTED, "{}", "{}", 1, null, 1L,
                    1, 1, null, null)); // loads the script: the paused call is then one EVALSHA that runs later
            RedisClient admin = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> c = admin.connect()) {
                c.sync().clientPause(7_000); // every client: commands wait, unanswered, for 7 s
            } finally {
                admin.shutdown();
            }
            TransactionRecord late = new TransactionRecord("late", "saga", TransStatus.SUBMITTED, "{}", "{}", 1, null,
                    1L, 1, 1, null, null);
            assertThatThrownBy(() -> store.insertIfAbsent(late)).isInstanceOfSatisfying(StoreException.class,
                    e -> assertThat(e.outcomeUnknown()).as(e.getMessage()).isTrue());
            Await.until(Duration.ofSeconds(10), "the paused insert to happen after all",
                    () -> store.find("late").isPresent());

            redis.kill9();
            Await.until(Duration.ofSeconds(10), "the store to see Redis down", () -> {
                try {
                    store.find("probe");
                    return false;
                } catch (StoreException e) {
                    return true;
                }
            });
            TransactionRecord refused = new TransactionRecord("refused", "saga", TransStatus.SUBMITTED, "{}", "{}", 1,
                    null, 1L, 1, 1, null, null);
            assertThatThrownBy(() -> store.insertIfAbsent(refused)).isInstanceOfSatisfying(StoreException.class,
                    e -> assertThat(e.outcomeUnknown()).as(e.getMessage()).isFalse());
        }
    }

    @Test
    void noAcknowledgedSagaIsLostWhenRedisRestartsMidLoad() throws Exception {
        TestServices.requireRedis(); // the redis-server binary comes with the local Redis
        EngineOptions engine = EngineOptions.builder().defaultRequestTimeoutMs(1_000).defaultRetryIntervalMs(100)
                .retryCapMs(1_000).leaseMs(3_000).claimBatch(100).pollIntervalMs(200).maxConcurrentDrives(512).build();
        try (RedisServerProcess redis = new RedisServerProcess(dir).start();
             ScriptedBranches branches = new ScriptedBranches();
             RedsagaServer server = RedsagaServer.start(ServerConfig.builder().port(0).store(redis.uri()).engine(engine)
                     .instanceId("restart-it").build())) {
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
                    // the store was down: refused (503), or — sent on a connection not yet seen dead — unknown (504)
                    refused++;
                    assertThat(e.httpStatus()).as(e.getMessage()).isIn(503, 504);
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
