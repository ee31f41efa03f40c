package dev.redsaga.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redsaga.client.testing.TestServices;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.store.redis.RedisTransactionStore;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.RedisServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wait-replicas}: a write counts only once that many replicas have it, so a failover to one of them cannot
 * take a transaction's version backwards (a lost compare-and-set would let a fenced-off writer in again). A write
 * the replicas did not confirm is reported with its outcome unknown, and the coordinator does not act on it.
 */
class RedisReplicationIT {
    @TempDir
    Path dir;

    private static TransactionRecord record(String gid) {
        return new TransactionRecord(gid, "saga", TransStatus.SUBMITTED, "{}", "{}", 1, null, 1L, 1, 1, null, null);
    }

    @Test
    void aWriteCountsOnlyOnceTheReplicasHaveIt() throws Exception {
        TestServices.requireRedis();
        try (RedisServerProcess master = new RedisServerProcess(Files.createDirectories(dir.resolve("master"))).start();
             RedisServerProcess replica = new RedisServerProcess(Files.createDirectories(dir.resolve("replica")))
                     .replicaOf(master.port());
             RedisTransactionStore store = RedisTransactionStore.open(master.uri() + "?wait-replicas=1&wait-timeout=2000",
                     RedisTransactionStore.Options.defaults())) {
            assertThatThrownBy(() -> store.insertIfAbsent(record("alone")))
                    .isInstanceOfSatisfying(StoreException.class, e -> {
                        assertThat(e.outcomeUnknown()).isTrue();
                        assertThat(e.getMessage()).contains("0 of 1 replicas");
                    });
            assertThat(store.find("alone")).as("written on the master all the same").isPresent();

            replica.start();
            RedisClient client = RedisClient.create(replica.uri());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                RedisClient masterClient = RedisClient.create(master.uri());
                try (StatefulRedisConnection<String, String> m = masterClient.connect()) {
                    // the master counts a replica for WAIT once it is online and acknowledging offsets
                    Await.until(Duration.ofSeconds(20), "the replica to sync",
                            () -> c.sync().info("replication").contains("master_link_status:up")
                                    && m.sync().info("replication").contains("state=online"));
                } finally {
                    masterClient.shutdown();
                }
                assertThat(store.insertIfAbsent(record("replicated"))).isEmpty();
                TransactionRecord next = record("replicated").next(TransStatus.ABORTING, "{}", "me", 9L, 2, "x");
                assertThat(store.compareAndSet(next)).isTrue();
                assertThat(c.sync().keys("*:t:replicated")).hasSize(1);
                String key = c.sync().keys("*:t:replicated").getFirst();
                assertThat(c.sync().hget(key, "st")).as("the replica has the transition").isEqualTo("aborting");
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void waitReplicasIsRefusedClearlyWhereItCannotWork() {
        assertThatThrownBy(() -> RedisTransactionStore.open("redis-cluster://127.0.0.1:1?wait-replicas=1",
                RedisTransactionStore.Options.defaults()))
                .isInstanceOf(StoreException.class).hasMessageContaining("not supported on Redis Cluster");
        assertThatThrownBy(() -> RedisTransactionStore.open("redis://127.0.0.1:1?wait-replicas=-1",
                RedisTransactionStore.Options.defaults()))
                .isInstanceOf(StoreException.class).hasMessageContaining("wait-replicas must be 0 or more");
    }
}
