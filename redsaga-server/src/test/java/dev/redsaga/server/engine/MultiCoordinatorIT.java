package dev.redsaga.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.client.RedsagaClient;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.ScriptedBranches;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import dev.redsaga.server.testing.RedisKeys;
import dev.redsaga.server.testing.ServerProcess;
import dev.redsaga.client.testing.TestServices;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Three coordinator processes on one store (PostgreSQL, Redis); sagas submitted to all of them; one is killed -9
 * in the middle. Every saga finishes, with the outcome its branches dictate, none stuck, none driven to two
 * outcomes.
 */
class MultiCoordinatorIT {
    static final int SAGAS = 60;
    static final String PG = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"postgres", "redis"})
    void threeCoordinatorsOnOneStoreSurviveAKill9(String kind) throws Exception {
        String name = "rs_multi_" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);
        String store;
        if (kind.equals("postgres")) {
            TestServices.requirePostgres();
            try (Connection c = DriverManager.getConnection(PG); Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA " + name);
            }
            store = PG + "&currentSchema=" + name;
        } else {
            TestServices.requireRedis();
            store = "redis://127.0.0.1:6379?prefix=" + name;
        }
        List<ServerProcess> servers = new ArrayList<>();
        try (ScriptedBranches branches = new ScriptedBranches()) {
            for (int i = 0; i < 3; i++) {
                servers.add(ServerProcess.start(dir.resolve("server-" + i + ".log"), "--store", store, "--lease", "2s",
                        "--retry-interval", "200ms"));
            }
            List<RedsagaClient> clients = servers.stream()
                    .map(s -> RedsagaClient.builder(s.baseUrl()).build()).toList();
            List<String> gids = new ArrayList<>();
            List<String> failing = new ArrayList<>();
            for (int i = 0; i < SAGAS; i++) {
                RedsagaClient client = clients.get(i % 3);
                String gid = "multi-" + i + "-" + client.newGid();
                switch (i % 5) {
                    case 0 -> {
                        branches.script("/" + gid + "/b", new Answer(409, "{\"dtm_result\":\"FAILURE\"}", 800),
                                Answer.FAILURE);
                        failing.add(gid);
                    }
                    case 1 -> branches.script("/" + gid + "/a", Answer.ERROR, Answer.stall(800));
                    case 2 -> branches.script("/" + gid + "/b", Answer.stall(1_200));
                    case 3 -> branches.script("/" + gid + "/c", Answer.ONGOING, Answer.ONGOING);
                    default -> { }
                }
                client.saga(gid)
                        .step(branches.url("/" + gid + "/a"), branches.url("/" + gid + "/a-undo"), "{}")
                        .step(branches.url("/" + gid + "/b"), branches.url("/" + gid + "/b-undo"), "{}")
                        .step(branches.url("/" + gid + "/c"), branches.url("/" + gid + "/c-undo"), "{}")
                        .submit();
                gids.add(gid);
            }
            servers.getFirst().kill9();

            RedsagaClient survivor = clients.get(1);
            Await.until(Duration.ofSeconds(60), "every saga to finish",
                    () -> gids.stream().allMatch(g -> survivor.query(g).transaction().status().isTerminal()));
            for (String gid : gids) {
                List<String> trace = branches.trace(gid);
                TransStatus status = survivor.query(gid).transaction().status();
                assertThat(clients.get(2).query(gid).transaction().status()).as(gid).isEqualTo(status);
                if (failing.contains(gid)) {
                    assertThat(status).as(gid + " " + trace).isEqualTo(TransStatus.FAILED);
                    assertThat(trace).as(gid).doesNotContain("/" + gid + "/c action");
                    assertThat(trace).as(gid).contains("/" + gid + "/a-undo compensate", "/" + gid + "/b-undo compensate");
                } else {
                    assertThat(status).as(gid + " " + trace).isEqualTo(TransStatus.SUCCEEDED);
                    assertThat(trace).as(gid).contains("/" + gid + "/c action");
                    assertThat(trace).as(gid).noneMatch(t -> t.endsWith("compensate"));
                }
            }
        } finally {
            for (ServerProcess s : servers) {
                s.close();
            }
            if (kind.equals("postgres")) {
                try (Connection c = DriverManager.getConnection(PG); Statement s = c.createStatement()) {
                    s.execute("DROP SCHEMA " + name + " CASCADE");
                }
            } else {
                RedisKeys.delete("{" + name + ":*");
            }
        }
    }
}
