package dev.redsaga.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redsaga.protocol.WireJson;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code redsaga simulate} as a user runs it: the summary, the JSON line, a replay, the mutants, bad input. */
class SimulateCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cmd = new CommandLine(new SimulateCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    @Test
    void manySeedsEndWithOneJsonLine() throws Exception {
        assertThat(run("--seeds", "300", "--json")).as(err.toString()).isZero();
        String[] lines = out.toString().strip().split("\n");
        JsonNode j = WireJson.mapper().readTree(lines[lines.length - 1]);
        assertThat(j.get("schedules").asLong()).isEqualTo(300);
        assertThat(j.get("violations").asLong()).isZero();
        assertThat(j.get("schedules_per_s").asDouble()).isPositive();
        assertThat(j.get("faults").get("crash").asLong()).isPositive();
    }

    @Test
    void aFailingSeedIsNamedAndReplayedWithItsTrace() throws Exception {
        assertThat(run("--seeds", "2000", "--mutant", "not-awaiting-in-flight", "--json")).isEqualTo(1);
        String[] lines = out.toString().strip().split("\n");
        long seed = WireJson.mapper().readTree(lines[lines.length - 1]).get("failing_seeds").get(0).asLong();
        assertThat(out.toString()).contains("the trace of ", "replay it all: ./redsaga simulate --seed " + seed
                + " --mutant not-awaiting-in-flight");

        out.getBuffer().setLength(0);
        assertThat(run("--seed", Long.toString(seed), "--mutant", "not-awaiting-in-flight")).isEqualTo(1);
        assertThat(out.toString()).contains("submit acknowledged", "stored submitted v1", "VIOLATION ");
    }

    @Test
    void mutantsAreListedAndAnUnknownOneIsAClearError() {
        assertThat(run("--mutant", "list")).isZero();
        for (Mutant m : Mutant.values()) {
            assertThat(out.toString()).contains(m.cliName());
        }
        assertThat(run("--mutant", "nope")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown mutant 'nope'; --mutant list names them");
        assertThat(run("--seeds", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--seeds must be at least 1");
    }
}
