package dev.redsaga.server.alert;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redsaga.protocol.WireJson;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.Observability;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.RawApi;
import dev.redsaga.server.testing.ScriptedBranches;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The alert webhook, a real HTTP endpoint here: a branch failing three times in a row (no answer, errors, a
 * compensation's FAILURE) is reported once, with DTM's fields; a business FAILURE that ends a saga is not.
 */
class WebhookAlertsIT {

    private static String saga(ScriptedBranches b, String gid) {
        return "{\"gid\":\"" + gid + "\",\"trans_type\":\"saga\",\"steps\":[{\"action\":\"" + b.url("/" + gid + "/a1")
                + "\",\"compensate\":\"" + b.url("/" + gid + "/c1") + "\"}],\"payloads\":[\"{}\"]}";
    }

    @Test
    void aBranchFailingThreeTimesIsReportedOnceAndABusinessFailureIsNot() throws Exception {
        try (ScriptedBranches branches = new ScriptedBranches(); ScriptedBranches hook = new ScriptedBranches();
                RedsagaServer server = RedsagaServer.start(ServerConfig.builder().port(0)
                        .store("h2:mem:alerts-" + UUID.randomUUID()).engine(EngineOptions.builder()
                        .defaultRequestTimeoutMs(1_000).defaultRetryIntervalMs(50).retryCapMs(200).leaseMs(5_000)
                        .claimBatch(100).pollIntervalMs(100).maxConcurrentDrives(64).build()).maxRequestBytes(1 << 20)
                        .instanceId("alerts").observability(new Observability(null, hook.url("/hook"), 3)).build())) {
            branches.script("/retried/a1", Answer.ERROR, Answer.ERROR, Answer.ERROR); // then SUCCESS
            branches.script("/failed/a1", Answer.FAILURE);
            branches.script("/undo-stuck/a1", Answer.FAILURE);
            branches.script("/undo-stuck/c1", Answer.FAILURE, Answer.FAILURE, Answer.FAILURE, Answer.FAILURE);
            RawApi api = new RawApi(server.baseUrl());
            for (String gid : List.of("retried", "failed", "undo-stuck")) {
                assertThat(api.post("submit", saga(branches, gid)).statusCode()).isEqualTo(200);
            }
            for (String gid : List.of("retried", "failed", "undo-stuck")) {
                Await.until(Duration.ofSeconds(20), gid + " ends", () -> server.store().find(gid)
                        .map(r -> r.status().isTerminal()).orElse(false));
            }
            Await.until(Duration.ofSeconds(10), "two alerts", () -> hook.calls().size() >= 2);
            Thread.sleep(300); // a third would have come by now

            assertThat(hook.calls()).hasSize(2).allSatisfy(c -> assertThat(c.method()).isEqualTo("POST"));
            JsonNode retried = alertOf(hook, "retried");
            assertThat(retried.get("status").asText()).isEqualTo("submitted");
            assertThat(retried.get("branch").asText()).isEqualTo(branches.url("/retried/a1"));
            assertThat(retried.get("branch_id").asText()).isEqualTo("01");
            assertThat(retried.get("op").asText()).isEqualTo("action");
            assertThat(retried.get("retry_count").asInt()).isEqualTo(3);
            assertThat(retried.get("error").asText()).contains("HTTP 500");
            JsonNode undo = alertOf(hook, "undo-stuck");
            assertThat(undo.get("status").asText()).isEqualTo("aborting");
            assertThat(undo.get("op").asText()).isEqualTo("compensate");
            assertThat(undo.get("error").asText()).contains("HTTP 409");
        }
    }

    private static JsonNode alertOf(ScriptedBranches hook, String gid) throws Exception {
        for (ScriptedBranches.Call c : hook.calls()) {
            JsonNode n = WireJson.mapper().readTree(c.body());
            if (gid.equals(n.get("gid").asText())) {
                return n;
            }
        }
        throw new AssertionError("no alert for " + gid + " among " + hook.calls());
    }
}
