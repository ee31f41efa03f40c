package dev.redsaga.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redsaga.protocol.WireJson;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Each bench mode runs for a few seconds and prints its JSON line with zero errors — no speed threshold. */
class BenchCommandIT {

    static JsonNode run(String... args) throws Exception {
        StringWriter out = new StringWriter();
        CommandLine cmd = new CommandLine(new BenchCommand());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(new StringWriter()));
        assertThat(cmd.execute(args)).as(out.toString()).isZero();
        String[] lines = out.toString().strip().split("\n");
        return WireJson.mapper().readTree(lines[lines.length - 1]);
    }

    @Test
    void nullModeReportsEveryFigure() throws Exception {
        JsonNode j = run("--mode", "null", "--duration", "3s", "--warmup", "1s", "--concurrency", "8", "--json");
        for (String f : new String[] {"mode", "store", "sagas", "duration_s", "throughput_per_s", "p50_ms", "p99_ms",
            "p999_ms", "errors", "store_round_trips_per_saga", "rss_mb"}) {
            assertThat(j.has(f)).as(f).isTrue();
        }
        assertThat(j.get("errors").asLong()).isZero();
        assertThat(j.get("sagas").asLong()).isPositive();
        assertThat(j.get("store_round_trips_per_saga").asDouble()).isPositive();
    }

    @Test
    void orderStockWithBaselineReportsTheRatio() throws Exception {
        JsonNode j = run("--mode", "order-stock", "--with-baseline", "--duration", "3s", "--warmup", "1s",
                "--concurrency", "8", "--json");
        assertThat(j.get("errors").asLong()).isZero();
        assertThat(j.get("baseline_errors").asLong()).isZero();
        assertThat(j.get("sagas").asLong()).isPositive();
        assertThat(j.get("ratio_to_baseline").asDouble()).isPositive();
    }

    @Test
    void recoveryModeFinishesEverySagaLeftByACrashedCoordinator() throws Exception {
        JsonNode j = run("--mode", "recovery", "--count", "300", "--json");
        assertThat(j.get("errors").asLong()).isZero();
        assertThat(j.get("recovery_s").asDouble()).isPositive();
    }

    @Test
    void openLoopRuns() throws Exception {
        JsonNode j = run("--mode", "null", "--rate", "50", "--duration", "2s", "--warmup", "1s", "--json");
        assertThat(j.get("errors").asLong()).isZero();
        assertThat(j.get("rate").asInt()).isEqualTo(50);
    }

    @Test
    void goodputAgainstOfferedLoadIsATableJsonAndAPlot(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("goodput.png");
        JsonNode j = run("--mode", "order-stock", "--rate", "20,40", "--duration", "2s", "--warmup", "1s",
                "--plot", png.toString(), "--json");
        assertThat(j.get("steps")).hasSize(2);
        for (JsonNode s : j.get("steps")) {
            assertThat(s.get("drained").asBoolean()).as(s.toString()).isTrue();
            assertThat(s.get("refused").asLong()).isZero();
            assertThat(s.get("accepted").asLong()).isEqualTo(s.get("succeeded").asLong()).isPositive();
            assertThat(s.get("goodput_per_s").asDouble()).isPositive();
            // no faults, far below capacity: each saga is one call to each service, nothing retried or shed
            assertThat(s.get("branch_requests_per_saga").asDouble()).as(s.toString()).isEqualTo(2.0);
            assertThat(s.get("shed").asLong()).isZero();
            assertThat(s.get("store_calls_per_saga").asDouble()).isPositive();
        }
        assertThat(j.get("steps").get(1).get("rate").asInt()).isEqualTo(40);
        assertThat(j.get("max_goodput_per_s").asDouble()).isPositive();
        byte[] image = Files.readAllBytes(png);
        assertThat(image).startsWith(0x89, 'P', 'N', 'G');
    }

    @Test
    void microBenchmarksRunInAForkedJvm() throws Exception {
        JsonNode j = run("--mode", "micro", "--filter", "EngineBench.twoStep", "--duration", "1s", "--warmup", "1s",
                "--json");
        assertThat(j.get("errors").asLong()).isZero();
        assertThat(j.get("results")).hasSize(1);
        assertThat(j.get("results").get(0).get("benchmark").asText()).isEqualTo("EngineBench.twoStepSagaToItsEnd");
        assertThat(j.get("results").get(0).get("score").asDouble()).isPositive();
    }

    @Test
    void badOptionsAreRefusedClearly() {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new BenchCommand());
        cmd.setErr(new PrintWriter(err));
        assertThat(cmd.execute("--mode", "fast")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown mode 'fast'");
        StringWriter err2 = new StringWriter();
        CommandLine micro = new CommandLine(new BenchCommand());
        micro.setErr(new PrintWriter(err2));
        assertThat(micro.execute("--mode", "micro", "--filter", "NoSuchBench")).isEqualTo(2);
        assertThat(err2.toString()).contains("no micro-benchmark matches --filter 'NoSuchBench'");
        assertThat(refused("--mode", "null", "--plot", "x.png")).contains("--plot goes with --mode order-stock --rate");
        assertThat(refused("--mode", "null", "--rate", "10,20")).contains("several rates are for --mode order-stock");
        assertThat(refused("--mode", "order-stock", "--rate", "10,0")).contains("must be positive");
        assertThat(refused("--mode", "order-stock", "--rate", "10", "--with-baseline"))
                .contains("--with-baseline is for the closed loop");
    }

    private static String refused(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new BenchCommand());
        cmd.setErr(new PrintWriter(err));
        assertThat(cmd.execute(args)).isEqualTo(2);
        return err.toString();
    }
}
