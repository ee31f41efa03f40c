package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.client.testing.TestServices;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.testing.RawApi;
import dev.redsaga.server.testing.RedisKeys;
import dev.redsaga.server.testing.ScriptedBranches;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Branches registered at once on one TCC transaction all go in, on every store. DTM's clients register each try's
 * branch as the try starts, and a fan-out starts them together; a registration refused for contention answered
 * 409 FAILURE ("kept changing"), which DTM's clients read as the try failing: the whole transaction aborted (seen:
 * 5 of 40 on Redis, 30 of 99 on PostgreSQL).
 */
class RegisterBranchContentionIT {
    static final String PG = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    static final int BRANCHES = 90;

    @ParameterizedTest
    @ValueSource(strings = {"postgres", "redis", "h2"})
    void branchesRegisteredAtOnceAllGoIn(String kind) throws Exception {
        String name = "rs_fan_" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);
        String store = switch (kind) {
            case "postgres" -> {
                TestServices.requirePostgres();
                try (Connection c = DriverManager.getConnection(PG); Statement s = c.createStatement()) {
                    s.execute("CREATE SCHEMA " + name);
                }
                yield PG + "&currentSchema=" + name;
            }
            case "redis" -> {
                TestServices.requireRedis();
                yield "redis://127.0.0.1:6379?prefix=" + name;
            }
            default -> "h2:mem:" + name;
        };
        try (ScriptedBranches branches = new ScriptedBranches();
                RedsagaServer server = RedsagaServer.start(ServerConfig.builder().port(0).store(store)
                        .maxRequestBytes(64 * 1024).instanceId("fan-" + UUID.randomUUID()).build())) {
            RawApi api = new RawApi(server.baseUrl());
            String gid = "fan-" + UUID.randomUUID();
            assertThat(api.post("prepare", "{\"gid\":\"" + gid + "\",\"trans_type\":\"tcc\"}").statusCode())
                    .isEqualTo(200);
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 1; i <= BRANCHES; i++) {
                    String body = "{\"gid\":\"" + gid + "\",\"trans_type\":\"tcc\",\"branch_id\":\""
                            + String.format("%02d", i) + "\",\"status\":\"prepared\",\"data\":\"{}\",\"confirm\":\""
                            + branches.url("/confirm/" + i) + "\",\"cancel\":\"\"}";
                    answers.add(pool.submit(() -> {
                        go.await();
                        return api.post("registerBranch", body);
                    }));
                }
                go.countDown();
                for (Future<HttpResponse<String>> a : answers) {
                    HttpResponse<String> r = a.get();
                    assertThat(r.statusCode()).as(kind + ": " + r.body()).isEqualTo(200);
                }
            }
            HttpResponse<String> submit = api.post("submit", "{\"gid\":\"" + gid
                    + "\",\"trans_type\":\"tcc\",\"wait_result\":true}");
            assertThat(submit.statusCode()).as(submit.body()).isEqualTo(200);
            assertThat(branches.trace(gid)).as("every registered branch confirmed").hasSize(BRANCHES);
        } finally {
            if (kind.equals("postgres")) {
                try (Connection c = DriverManager.getConnection(PG); Statement s = c.createStatement()) {
                    s.execute("DROP SCHEMA " + name + " CASCADE");
                }
            } else if (kind.equals("redis")) {
                RedisKeys.delete("{" + name + ":*");
                RedisKeys.delete(name + "*");
            }
        }
    }
}
