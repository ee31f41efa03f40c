package dev.redsaga.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.client.RedsagaClient;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.AccessPolicy;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.config.StoreFactory;
import dev.redsaga.server.engine.DriveListener;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.FaultyStore;
import dev.redsaga.server.testing.ScriptedBranches;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code /api/metrics} after real sagas on a real coordinator: each figure equals what happened (sagas started and
 * ended by outcome, branch calls by op and outcome, retries, store calls, requests), the store's backlog is read
 * when scraped, no gid or URL becomes a tag, and only a metrics or admin token reads it.
 */
class MetricsIT {
    static final String SUBMIT = "submit-" + UUID.randomUUID();
    static final String ADMIN = "admin-" + UUID.randomUUID();
    static final String METRICS = "metrics-" + UUID.randomUUID();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    private static FaultyStore h2() {
        return new FaultyStore(StoreFactory.open("h2:mem:metrics-" + UUID.randomUUID(), 4));
    }

    private static RedsagaServer start(FaultyStore store, long pollMs) {
        EngineOptions engine = EngineOptions.builder().defaultRequestTimeoutMs(1_000).defaultRetryIntervalMs(100)
                .retryCapMs(400).leaseMs(5_000).claimBatch(100).pollIntervalMs(pollMs).maxConcurrentDrives(64).build();
        return RedsagaServer.start(ServerConfig.builder().port(0).store("h2:mem:unused").engine(engine)
                .maxRequestBytes(64 * 1024).instanceId("metrics-it-" + UUID.randomUUID())
                .access(AccessPolicy.of("127.0.0.1", List.of(SUBMIT), List.of(ADMIN), List.of(METRICS), false,
                        List.of()))
                .build(), store, true, new DriveListener() { });
    }

    /** The figures as Prometheus reads them, with the metrics token. */
    private static Map<String, Double> figures(RedsagaServer server) {
        try {
            return samples(scrape(server, METRICS).body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> scrape(RedsagaServer server, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/metrics"));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The samples of a scrape: {@code name{labels}} (labels as Prometheus writes them, sorted) to value. */
    private static Map<String, Double> samples(String text) {
        Map<String, Double> out = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return out;
    }

    @Test
    void everyFigureEqualsWhatHappened() throws Exception {
        try (ScriptedBranches branches = new ScriptedBranches();
                RedsagaServer server = start(h2(), 100)) {
            RedsagaClient client = RedsagaClient.builder(server.baseUrl()).token(SUBMIT).build();
            List<String> gids = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String gid = "metrics-" + i + "-" + UUID.randomUUID();
                gids.add(gid);
                if (i >= 4) {
                    branches.script("/" + gid + "/a", Answer.FAILURE); // 2 fail and are compensated
                } else if (i == 3) {
                    branches.script("/" + gid + "/a", Answer.ERROR); // 1 succeeds on its retry
                }
                client.saga(gid).step(branches.url("/" + gid + "/a"), branches.url("/" + gid + "/c"), "{}").submit();
            }
            // waited for on the figures themselves: a saga reads as ended in the store a moment before its drive
            // gives its place back and its counters move
            Await.until(Duration.ofSeconds(20), "every saga and its drive to end", () -> {
                Map<String, Double> now = figures(server);
                return now.getOrDefault("redsaga_transactions_ended_total{status=\"succeed\",type=\"saga\"}", 0.0)
                        + now.getOrDefault("redsaga_transactions_ended_total{status=\"failed\",type=\"saga\"}", 0.0)
                        == 6.0 && now.get("redsaga_drives_active") == 0.0 && now.get("redsaga_sagas_open") == 0.0;
            });

            HttpResponse<String> r = scrape(server, METRICS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                    t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
            Map<String, Double> s = samples(r.body());
            assertThat(s).containsEntry("redsaga_transactions_started_total{type=\"saga\"}", 6.0)
                    .containsEntry("redsaga_transactions_ended_total{status=\"succeed\",type=\"saga\"}", 4.0)
                    .containsEntry("redsaga_transactions_ended_total{status=\"failed\",type=\"saga\"}", 2.0)
                    .containsEntry("redsaga_branch_calls_seconds_count{op=\"action\",outcome=\"success\",type=\"saga\"}", 4.0)
                    .containsEntry("redsaga_branch_calls_seconds_count{op=\"action\",outcome=\"failure\",type=\"saga\"}", 2.0)
                    .containsEntry("redsaga_branch_calls_seconds_count{op=\"action\",outcome=\"transient\",type=\"saga\"}", 1.0)
                    .containsEntry("redsaga_branch_calls_seconds_count{op=\"compensate\",outcome=\"success\",type=\"saga\"}", 2.0)
                    .containsEntry("redsaga_branch_retries_total{op=\"action\",type=\"saga\"}", 1.0)
                    .containsEntry("redsaga_store_calls_seconds_count{call=\"insert\",outcome=\"ok\"}", 6.0)
                    .containsEntry("redsaga_http_requests_total{route=\"submit\",status=\"200\"}", 6.0)
                    .containsEntry("redsaga_transactions_due", 0.0)
                    .containsEntry("redsaga_transactions_oldest_age_seconds{status=\"submitted\"}", 0.0)
                    .containsEntry("redsaga_drives_active", 0.0)
                    .containsEntry("redsaga_drives_limit", 64.0)
                    .containsEntry("redsaga_sagas_open", 0.0);
            // a latency histogram, with its buckets
            assertThat(s).containsKey("redsaga_branch_calls_seconds_bucket{op=\"action\",outcome=\"success\","
                    + "type=\"saga\",le=\"0.005\"}");
            assertThat(s.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes"));
            // tags are low-cardinality: no gid, no branch URL
            for (String gid : gids) {
                assertThat(r.body()).doesNotContain(gid);
            }
            assertThat(r.body()).doesNotContain(branches.url("/"));
        }
    }

    @Test
    void onlyAMetricsOrAnAdminTokenReadsTheFiguresAndAMetricsTokenNothingElse() throws Exception {
        try (RedsagaServer server = start(h2(), 100)) {
            assertThat(scrape(server, null).statusCode()).isEqualTo(401);
            HttpResponse<String> submit = scrape(server, SUBMIT);
            assertThat(submit.statusCode()).isEqualTo(403);
            assertThat(submit.body()).contains("metrics scope");
            assertThat(scrape(server, "wrong").statusCode()).isEqualTo(401);
            assertThat(scrape(server, ADMIN).statusCode()).isEqualTo(200);
            assertThat(scrape(server, METRICS).statusCode()).isEqualTo(200);

            HttpResponse<String> newGid = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                    + "/api/dtmsvr/newGid")).header("Authorization", "Bearer " + METRICS).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(newGid.statusCode()).isEqualTo(403);
            assertThat(newGid.body()).contains("submit scope");
            assertThat(samples(scrape(server, METRICS).body()))
                    .containsEntry("redsaga_http_requests_total{route=\"metrics\",status=\"401\"}", 2.0)
                    .containsEntry("redsaga_http_requests_total{route=\"newGid\",status=\"403\"}", 1.0);
        }
    }

    /** Recovery polls once an hour here, so what is due stays due; the store's backlog is read at each scrape. */
    @Test
    void theBacklogIsReadFromTheStoreWhenScrapedAndIsNaNWhenTheStoreFails() throws Exception {
        FaultyStore faulty = h2();
        try (RedsagaServer server = start(faulty, 3_600_000)) {
            // the first recovery pass, at start, is over (waited for, not slept for: on a slow box it came later
            // and claimed the orphans below)
            Await.until(Duration.ofSeconds(10), "the first recovery pass", () -> figures(server).getOrDefault(
                    "redsaga_store_calls_seconds_count{call=\"claim_due\",outcome=\"ok\"}", 0.0) >= 1);
            long now = System.currentTimeMillis();
            for (int i = 0; i < 3; i++) {
                // left by an instance that died an hour ago: due since, nobody drives it
                server.store().insertIfAbsent(new TransactionRecord("orphan-" + i, "saga", TransStatus.SUBMITTED,
                        "{}", "{}", 1, "dead", now - 60_000, now - 3_600_000 - i, now - 3_600_000, null, null));
            }
            server.store().insertIfAbsent(new TransactionRecord("waiting", "tcc", TransStatus.PREPARED, "{}", "{}",
                    1, null, now + 600_000, now - 120_000, now - 120_000, null, null));

            Map<String, Double> s = samples(scrape(server, METRICS).body());
            assertThat(s).containsEntry("redsaga_transactions_due", 3.0)
                    .containsEntry("redsaga_transactions_oldest_age_seconds{status=\"aborting\"}", 0.0);
            assertThat(s.get("redsaga_transactions_oldest_age_seconds{status=\"submitted\"}")).isBetween(3_600.0, 3_700.0);
            assertThat(s.get("redsaga_transactions_oldest_age_seconds{status=\"prepared\"}")).isBetween(120.0, 220.0);

            faulty.inject(FaultyStore.Op.BACKLOG, FaultyStore.Fault.BEFORE, Integer.MAX_VALUE);
            s = samples(scrape(server, METRICS).body());
            assertThat(s.get("redsaga_transactions_due")).isNaN();
            assertThat(s.get("redsaga_transactions_oldest_age_seconds{status=\"submitted\"}")).isNaN();
            assertThat(s).containsEntry("redsaga_store_calls_seconds_count{call=\"backlog\",outcome=\"error\"}", 1.0);
        }
    }
}
