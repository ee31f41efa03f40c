package dev.redsaga.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.client.RedsagaClient;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.store.redis.RedisTransactionStore;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.RedisClusterFixture;
import dev.redsaga.server.testing.RedisKeys;
import dev.redsaga.server.testing.ScriptedBranches;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import dev.redsaga.client.testing.TestServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store contract on a 3-master Redis Cluster the test starts on loopback ports, then sagas through a
 * coordinator on that cluster: the sharded keys spread over the masters and every script stays in one slot.
 */
class RedisClusterStoreIT extends TransactionStoreContract {
    static RedisClusterFixture cluster;
    static Path dir;

    @BeforeAll
    static void startCluster() throws Exception {
        TestServices.requireRedis(); // redis-server and redis-cli come with the local Redis
        dir = Files.createTempDirectory("redsaga-cluster");
        cluster = new RedisClusterFixture(dir);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (dir != null) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Override
    protected TransactionStore open(String name) {
        return RedisTransactionStore.open(cluster.uri(),
                new RedisTransactionStore.Options("rs-test-" + name, 16, Duration.ofSeconds(60)));
    }

    @Override
    protected void drop(String name) {
        // the cluster goes away with the test
    }

    @Override
    protected void spellAsEarlierBuilds(String name, String gid) {
        RedisKeys.spellSucceededAsEarlierBuilds(cluster.uri(), "rs-test-" + name, gid);
    }

    @Override
    protected boolean singleOrderedIndex() {
        return false;
    }

    @Test
    void sagasRunOnTheCluster() throws Exception {
        try (ScriptedBranches branches = new ScriptedBranches();
             RedsagaServer server = RedsagaServer.start(ServerConfig.builder().port(0)
                     .store(cluster.uri() + "?prefix=rs-saga-" + run).build())) {
            RedsagaClient client = RedsagaClient.builder(server.baseUrl()).build();
            List<String> gids = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String gid = "cluster-" + i + "-" + client.newGid();
                if (i % 4 == 0) {
                    branches.script("/" + gid + "/b", Answer.FAILURE);
                }
                client.saga(gid)
                        .step(branches.url("/" + gid + "/a"), branches.url("/" + gid + "/a-undo"), "{}")
                        .step(branches.url("/" + gid + "/b"), branches.url("/" + gid + "/b-undo"), "{}")
                        .submit();
                gids.add(gid);
            }
            Await.until(Duration.ofSeconds(30), "every saga to finish", () -> gids.stream()
                    .allMatch(g -> client.query(g).transaction().status().isTerminal()));
            for (int i = 0; i < gids.size(); i++) {
                assertThat(client.query(gids.get(i)).transaction().status()).as(gids.get(i))
                        .isEqualTo(i % 4 == 0 ? TransStatus.FAILED : TransStatus.SUCCEEDED);
            }
        }
    }
}
