package dev.redsaga.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redsaga.example.orderstock.Backend;
import dev.redsaga.protocol.WireJson;
import dev.redsaga.server.cli.DurationConverter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code redsaga bench}: load on the coordinator (and without it, for the baseline), figures as text or JSON. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure throughput and submit-to-final latency. Modes:",
            "  null         sagas whose branches answer at once: the coordinator's own cost",
            "  order-stock  purchase sagas against the example services, barrier on; with --rate: goodput under"
                    + " overload",
            "  baseline     the same business calls made directly, no coordinator",
            "  recovery     time for a new coordinator to finish --count orphaned sagas",
            "  micro        JMH micro-benchmarks: JSON, state machine, store calls",
            "The load, the coordinator and the services run in this process, on loopback."})
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--mode", defaultValue = "null",
            description = "null, order-stock, baseline, recovery or micro (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--count", defaultValue = "10000",
            description = "recovery mode: unfinished sagas left in the store (default: ${DEFAULT-VALUE})")
    int count;

    @Option(names = "--store",
            description = "the coordinator's store, as for `server --store` (default: a fresh in-memory H2)")
    String store;

    @Option(names = "--db", defaultValue = "h2", description = "the services' databases for order-stock and baseline: "
            + "h2, postgres or mariadb (default: ${DEFAULT-VALUE})")
    String db;

    @Option(names = "--concurrency", defaultValue = "64", description = "closed loop: units in flight; open loop: "
            + "connections (more requests wait in the generator's queue, counted in latency) (default: ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--rate", split = ",", paramLabel = "R", description = {"open loop instead: units started per "
            + "second. order-stock: sagas offered per second, each rate on a fresh coordinator; goodput (sagas "
            + "succeeded per second) and the drain after the load stops; several rates (e.g. 100,200,400) make a table"})
    List<Integer> rates;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "order-stock with --rate: draw goodput against "
            + "offered load into this PNG")
    Path plot;

    @Option(names = "--drain-limit", converter = DurationConverter.class, defaultValue = "120s",
            description = "order-stock with --rate: longest wait for the backlog after the load stops (default: "
            + "${DEFAULT-VALUE})")
    Duration drainLimit;

    @Option(names = "--duration", converter = DurationConverter.class,
            description = "measured time, e.g. 20s, 90s, 5m (default: 20s; micro: 5s per benchmark)")
    Duration duration;

    @Option(names = "--warmup", converter = DurationConverter.class,
            description = {"unmeasured time first (default: 10s; micro: 3s per benchmark). order-stock with --rate: "
            + "before every rate, and once more before the first, at the lowest rate, to warm the JVM"})
    Duration warmup;

    @Option(names = "--filter", description = "micro mode: only benchmarks whose Class.method matches this regex, "
            + "e.g. JsonBench or Store")
    String filter;

    @Option(names = "--steps", defaultValue = "2", description = "steps per saga in null mode (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--products", defaultValue = "1", description = "order-stock and baseline: purchases spread "
            + "over this many products; 1, the seed's flash sale, puts every deduction on one stock row (default: ${DEFAULT-VALUE})")
    int products;

    @Option(names = "--with-baseline", description = "run order-stock, then baseline, and report the ratio")
    boolean withBaseline;

    @Option(names = "--json", description = "print, as the last line, one JSON object with the figures")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Backend backend;
        try {
            backend = Backend.parse(db);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (store == null) {
            store = "h2:mem:bench-" + Long.toString(System.nanoTime(), 36);
        }
        String m = mode.toLowerCase(Locale.ROOT);
        if (!m.equals("null") && !m.equals("order-stock") && !m.equals("baseline") && !m.equals("recovery")
                && !m.equals("micro")) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "unknown mode '" + mode + "': use null, order-stock, baseline, recovery or micro");
        }
        boolean micro = m.equals("micro");
        if (duration == null) {
            duration = Duration.ofSeconds(micro ? 5 : 20);
        }
        if (warmup == null) {
            warmup = Duration.ofSeconds(micro ? 3 : 10);
        }
        if (micro) {
            ObjectNode r;
            try {
                r = MicroBench.run(filter, warmup, duration, out);
            } catch (org.openjdk.jmh.runner.NoBenchmarksException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "no micro-benchmark matches --filter '"
                        + filter + "': the classes are JsonBench, EngineBench and StoreBench");
            } catch (org.openjdk.jmh.runner.RunnerException e) {
                err.println("redsaga bench: a micro-benchmark failed: " + e.getMessage()
                        + " (the store benchmark needs Redis on 127.0.0.1:6379; --filter selects others)");
                return 1;
            }
            if (json) {
                out.println(WireJson.mapper().writeValueAsString(r));
            }
            out.flush();
            return r.get("errors").asInt() == 0 ? 0 : 1;
        }
        if (m.equals("recovery")) {
            if (count < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--count must be positive");
            }
            double seconds = RecoveryBench.run(store, count, Math.max(60, duration.toSeconds() * 6), err);
            ObjectNode r = WireJson.mapper().createObjectNode();
            r.put("mode", m);
            r.put("store", store);
            r.put("sagas", count);
            r.put("recovery_s", round(seconds, 2));
            r.put("errors", seconds < 0 ? count : 0);
            r.put("rss_mb", rssMb());
            out.printf("%n  recovery: %d unfinished sagas finished in %s%n", count,
                    seconds < 0 ? "(not within the limit)" : String.format(Locale.ROOT, "%.2f s", seconds));
            if (json) {
                out.println(WireJson.mapper().writeValueAsString(r));
            }
            out.flush();
            return seconds < 0 ? 1 : 0;
        }
        if (withBaseline && !m.equals("order-stock")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--with-baseline goes with --mode order-stock");
        }
        if (concurrency < 1 || (rates != null && rates.stream().anyMatch(r -> r == null || r < 1)) || steps < 1
                || products < 1 || duration.isZero() || drainLimit.isNegative()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--concurrency, --rate, --steps, --products and --duration must be positive");
        }
        if (m.equals("order-stock") && rates != null) {
            if (withBaseline) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--with-baseline is for the closed loop (--concurrency), not with --rate");
            }
            return goodput(backend, out, err);
        }
        if (plot != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--plot goes with --mode order-stock --rate");
        }
        if (rates != null && rates.size() > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "several rates are for --mode order-stock; give one --rate for " + m);
        }
        Integer rate = rates == null ? null : rates.get(0);
        ObjectNode o = WireJson.mapper().createObjectNode();
        o.put("mode", m);
        o.put("store", m.equals("baseline") ? "none" : store);
        if (!m.equals("null")) {
            o.put("db", backend.name().toLowerCase(Locale.ROOT));
            o.put("products", products);
        }
        o.put("concurrency", concurrency);
        if (rate != null) {
            o.put("rate", rate);
        }
        LoadRunner.Measurement main;
        long roundTrips;
        err.printf("redsaga bench: mode %s, %s, %s measured after %s warm-up%n", m,
                rate == null ? "concurrency " + concurrency : rate + "/s open loop", duration, warmup);
        try (Workload w = workload(m, backend)) {
            main = LoadRunner.run(w, concurrency, rate, warmup, duration, err);
            roundTrips = w.storeRoundTrips();
        }
        put(o, main);
        o.put("store_round_trips_per_saga", m.equals("baseline") ? 0
                : round(main.totalUnits() == 0 ? 0 : (double) roundTrips / main.totalUnits(), 2));
        if (withBaseline) {
            err.println("redsaga bench: baseline (the same business calls, no coordinator)");
            LoadRunner.Measurement base;
            try (Workload w = workload("baseline", backend)) {
                base = LoadRunner.run(w, concurrency, rate, warmup, duration, err);
            }
            o.put("baseline_throughput_per_s", round(base.throughput(), 1));
            o.put("baseline_p99_ms", round(base.percentileMs(99), 2));
            o.put("baseline_errors", base.errors());
            o.put("ratio_to_baseline", round(base.throughput() == 0 ? 0 : main.throughput() / base.throughput(), 3));
        }
        o.put("rss_mb", rssMb());
        out.printf("%n  mode %s: %.0f per second, latency p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms; %d errors%n", m,
                main.throughput(), main.percentileMs(50), main.percentileMs(99), main.percentileMs(99.9),
                main.errors());
        if (main.firstError() != null) {
            out.println("  first error: " + main.firstError());
        }
        if (o.has("ratio_to_baseline")) {
            out.printf("  baseline: %.0f per second; ratio to baseline %.3f%n",
                    o.get("baseline_throughput_per_s").asDouble(), o.get("ratio_to_baseline").asDouble());
        }
        if (json) {
            out.println(WireJson.mapper().writeValueAsString(o));
        }
        out.flush();
        return 0;
    }

    /** Goodput against offered load: one {@link GoodputBench} run per rate, a table, JSON, a plot. */
    private int goodput(Backend backend, PrintWriter out, PrintWriter err) throws Exception {
        List<GoodputBench.Step> results = new ArrayList<>();
        if (!warmup.isZero()) {
            // The JIT compiles while the first rate runs: a slower first window leaves a backlog that flatters or
            // spoils that rate's figures. One unmeasured run at the lowest rate first makes every rate alike.
            int lowest = rates.stream().min(Integer::compare).orElseThrow();
            err.printf("redsaga bench: warming the JVM: order-stock offered at %d/s for %s, not measured%n", lowest,
                    warmup);
            GoodputBench.run(backend, store, products, lowest, Duration.ZERO, warmup, drainLimit, err);
        }
        for (int r : rates) {
            err.printf("redsaga bench: order-stock offered at %d/s for %s after %s warm-up; store %s, services on %s%n",
                    r, duration, warmup, store, backend.name().toLowerCase(Locale.ROOT));
            results.add(GoodputBench.run(backend, store, products, r, warmup, duration, drainLimit, err));
        }
        GoodputReport report = new GoodputReport(store, backend.name().toLowerCase(Locale.ROOT), products, results);
        report.printTable(out);
        boolean plotted = true;
        if (plot != null) {
            try {
                report.plot(plot);
                out.println("  plot: " + plot);
            } catch (IOException e) {
                err.println("redsaga bench: cannot write " + plot + ": " + e.getMessage() + " (choose a writable path)");
                plotted = false;
            } catch (RuntimeException | LinkageError e) {
                // Java 2D draws text with the system's fonts: a bare container has none
                err.println("redsaga bench: cannot draw " + plot + ": " + e + " (Java 2D needs fontconfig and a "
                        + "font: on Debian, apt-get install fontconfig fonts-dejavu-core)");
                plotted = false;
            }
        }
        if (json) {
            ObjectNode o = report.json();
            o.put("rss_mb", rssMb());
            out.println(WireJson.mapper().writeValueAsString(o));
        }
        out.flush();
        return plotted && results.stream().allMatch(GoodputBench.Step::drained) ? 0 : 1;
    }

    private Workload workload(String m, Backend backend) throws Exception {
        return switch (m) {
            case "null" -> new NullWorkload(store, steps, concurrency);
            case "order-stock" -> new OrderStockWorkload(backend, store, true, concurrency, products);
            default -> new OrderStockWorkload(backend, store, false, concurrency, products);
        };
    }

    private static void put(ObjectNode o, LoadRunner.Measurement m) {
        o.put("sagas", m.units());
        o.put("duration_s", round(m.seconds(), 1));
        o.put("throughput_per_s", round(m.throughput(), 1));
        o.put("p50_ms", round(m.percentileMs(50), 2));
        o.put("p99_ms", round(m.percentileMs(99), 2));
        o.put("p999_ms", round(m.percentileMs(99.9), 2));
        o.put("errors", m.errors());
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    /** Resident set size of this process (Linux), in MB; -1 where it cannot be read. */
    static long rssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return -1;
    }
}
