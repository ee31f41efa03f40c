package dev.redsaga.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redsaga.client.testing.TestServices;
import dev.redsaga.protocol.WireJson;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * The short form of {@code ./redsaga chaos}: every scenario on both stores, 8 s of faults each, real processes on
 * 127.0.0.1. After each: no acknowledged saga lost, no invariant broken, nothing pending, and the faults really
 * happened. Without the barrier the same suite must report the harm — proof that it can fail.
 */
class ChaosIT {
    static final String DURATION = "8s";

    record Run(int exitCode, List<JsonNode> scenarios, String out, String err) {
    }

    static Run chaos(String... args) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new ChaosCommand());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute(args);
        List<JsonNode> rows = new ArrayList<>();
        for (String line : out.toString().split("\n")) {
            if (line.startsWith("{")) {
                rows.add(WireJson.mapper().readTree(line));
            }
        }
        return new Run(code, rows, out.toString(), err.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgres", "redis"})
    void noAcknowledgedSagaIsLostAndEverySagaEndsUnderEveryFault(String store) throws Exception {
        TestServices.requirePostgres(); // the services' databases, and the store for "postgres"

        Run run = chaos("--store", store, "--duration", DURATION, "--json");

        Map<String, JsonNode> byScenario = new HashMap<>();
        run.scenarios().forEach(s -> byScenario.put(s.get("scenario").asText(), s));
        List<String> expected = new ArrayList<>(List.of("kill-coordinator", "pause-coordinator", "restart-services",
                "network", "out-of-memory", "mixed"));
        if (store.equals("redis")) {
            expected.add("restart-redis");
        }
        assertThat(byScenario.keySet()).as(run.err()).containsExactlyInAnyOrderElementsOf(expected);
        for (JsonNode s : run.scenarios()) {
            String what = s.get("scenario").asText() + " on " + store + ": " + s + "\n" + run.err();
            assertThat(s.get("lost").asInt()).as(what).isZero();
            assertThat(s.get("violations").asInt()).as(what).isZero();
            assertThat(s.get("pending").asInt()).as(what).isZero();
            assertThat(s.get("refused").asInt()).as(what).isZero();
            assertThat(s.get("faults").asLong()).as(what).isPositive();
            assertThat(s.get("acknowledged").asInt()).as(what).isPositive();
            assertThat(s.get("succeeded").asInt()).as(what).isPositive();
            // every unit sold went to a succeeded saga (the auditor checks it saga by saga; this is the total)
            assertThat(s.get("stock_sold").asInt()).as(what).isEqualTo(s.get("succeeded").asInt());
        }
        // a coordinator frozen past its lease wakes up believing it still drives its sagas: its writes are refused
        assertThat(byScenario.get("pause-coordinator").get("fenced_writes").asLong()).as(run.err()).isPositive();
        assertThat(run.exitCode()).as(run.err()).isZero();
    }

    @Test
    void withoutTheBarrierTheSuiteReportsTheHarm() throws Exception {
        TestServices.requirePostgres();

        Run run = chaos("--store", "redis", "--scenario", "network", "--duration", "6s", "--no-barrier", "--json");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        assertThat(run.scenarios()).hasSize(1);
        assertThat(run.scenarios().getFirst().get("violations").asInt()).isPositive();
        assertThat(run.err()).contains("FAILED").contains("succeeded but its");
    }

    @Test
    void badOptionsGetAClearMessage() throws Exception {
        Run store = chaos("--store", "mongo");
        assertThat(store.exitCode()).isEqualTo(2);
        assertThat(store.err()).contains("unknown store 'mongo': use postgres or redis");

        Run scenario = chaos("--scenario", "meteor");
        assertThat(scenario.exitCode()).isEqualTo(2);
        assertThat(scenario.err()).contains("unknown scenario 'meteor'").contains("kill-coordinator");

        Run db = chaos("--db", "h2");
        assertThat(db.exitCode()).isEqualTo(2);
        assertThat(db.err()).contains("--db h2 cannot be used");

        Run clients = chaos("--concurrency", "1000000");
        assertThat(clients.exitCode()).isEqualTo(2);
        assertThat(clients.err()).contains("--concurrency must be between 1 and 1000");

        Run rate = chaos("--rate", "0");
        assertThat(rate.exitCode()).isEqualTo(2);
        assertThat(rate.err()).contains("--rate must be above 0");
    }
}
