package dev.redsaga.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redsaga.protocol.WireJson;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@code --mode micro}: the JMH micro-benchmarks of the hot paths (package {@code dev.redsaga.bench.micro}): JSON,
 * one saga through the state machine, the store's two calls. One forked JVM per benchmark, iterations of one
 * second: {@code warmup} seconds of warm-up iterations, then {@code duration} seconds measured.
 */
final class MicroBench {
    private MicroBench() {
    }

    static ObjectNode run(String filter, Duration warmup, Duration duration, PrintWriter out) throws RunnerException {
        String include = "dev\\.redsaga\\.bench\\.micro\\..*" + (filter == null ? "" : filter + ".*");
        Options options = new OptionsBuilder()
                .include(include)
                .forks(1)
                .shouldFailOnError(true)
                .warmupIterations((int) Math.max(1, warmup.toSeconds()))
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations((int) Math.max(1, duration.toSeconds()))
                .measurementTime(TimeValue.seconds(1))
                .build();
        // JMH's progress and its own table go to stderr; our summary (and --json) to stdout
        Collection<RunResult> results = new Runner(options,
                OutputFormatFactory.createFormatInstance(System.err, VerboseMode.NORMAL)).run();
        ObjectNode o = WireJson.mapper().createObjectNode();
        o.put("mode", "micro");
        ArrayNode list = o.putArray("results");
        out.println();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark().replace("dev.redsaga.bench.micro.", "");
            ObjectNode j = list.addObject();
            j.put("benchmark", name);
            ObjectNode params = j.putObject("params");
            StringBuilder shown = new StringBuilder();
            for (String key : r.getParams().getParamsKeys()) {
                params.put(key, r.getParams().getParam(key));
                shown.append(' ').append(key).append('=').append(r.getParams().getParam(key));
            }
            double score = r.getPrimaryResult().getScore();
            double error = r.getPrimaryResult().getScoreError();
            String unit = r.getPrimaryResult().getScoreUnit();
            j.put("score", score);
            j.put("error", Double.isNaN(error) ? 0 : error);
            j.put("unit", unit);
            out.printf(Locale.ROOT, "  %-40s %12.3f ± %8.3f %s%s%n", name, score, Double.isNaN(error) ? 0 : error, unit,
                    shown);
        }
        o.put("errors", results.isEmpty() ? 1 : 0);
        return o;
    }
}
