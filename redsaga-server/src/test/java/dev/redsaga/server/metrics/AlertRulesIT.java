package dev.redsaga.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.client.testing.TestServices;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import dev.redsaga.server.testing.TestCoordinator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The alerting rules shipped in {@code docs/prometheus/}: valid for Prometheus ({@code promtool check rules}), firing
 * when and only when their unit tests say ({@code promtool test rules}), and written against metrics a coordinator
 * really serves — a renamed metric would leave an alert that can never fire.
 */
class AlertRulesIT {
    static final Path RULES = Path.of("..", "docs", "prometheus", "alerts.yml");
    static final Path RULE_TESTS = Path.of("..", "docs", "prometheus", "alerts-test.yml");
    static final String INSTALL = "Debian's prometheus package has it; .ci/run extracts it from the package";

    private static String run(Path promtool, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(RULES.getParent().toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool ends").isTrue();
        assertThat(p.exitValue()).as("promtool %s:%n%s", String.join(" ", args), out).isZero();
        return out;
    }

    @Test
    void theRulesAreValidAndTheirUnitTestsPass() throws Exception {
        Path promtool = TestServices.requireCommand("promtool", INSTALL);
        assertThat(run(promtool, "check", "rules", "alerts.yml")).contains("SUCCESS: 6 rules found");
        assertThat(run(promtool, "test", "rules", "alerts-test.yml")).contains("SUCCESS");
    }

    @Test
    void everyMetricTheRulesNameIsServedByACoordinator() throws Exception {
        TreeSet<String> named = new TreeSet<>();
        Matcher m = Pattern.compile("\\bredsaga_[a-z_]+").matcher(Files.readString(RULES));
        while (m.find()) {
            named.add(m.group());
        }
        assertThat(named).contains("redsaga_branch_calls_seconds_count", "redsaga_transactions_due");

        try (TestCoordinator c = TestCoordinator.start("alert-rules")) {
            // one saga that fails and is compensated: branch calls of both ops, store calls, requests
            String gid = "alert-rules-1";
            c.branches().script("/a", Answer.FAILURE);
            c.api().post("submit", "{\"gid\":\"" + gid + "\",\"trans_type\":\"saga\",\"steps\":[{\"action\":\""
                    + c.branches().url("/a") + "\",\"compensate\":\"" + c.branches().url("/c") + "\"}],"
                    + "\"payloads\":[\"{}\"]}");
            Await.until(Duration.ofSeconds(10), "the saga fails", () -> "failed".equals(c.status(gid)));
            String scrape = c.api().send("GET", "/api/metrics", null).body();
            TreeSet<String> served = new TreeSet<>();
            for (String line : scrape.split("\n")) {
                if (!line.startsWith("#") && !line.isBlank()) {
                    served.add(line.split("[{ ]", 2)[0]);
                }
            }
            for (String name : named) {
                // a histogram's family name (as in a description) stands for its _count, _sum and _bucket series
                assertThat(served.contains(name) || served.contains(name + "_count"))
                        .as("%s, named in alerts.yml, among the metrics served: %s", name, served).isTrue();
            }
        }
    }
}
