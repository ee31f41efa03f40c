package dev.redsaga.chaos;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redsaga.example.orderstock.Backend;
import dev.redsaga.protocol.WireJson;
import dev.redsaga.server.cli.DurationConverter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code redsaga chaos}: purchase sagas against real processes on 127.0.0.1 — three coordinators on one store, the
 * order and stock services — while faults are injected; then every saga is audited. Exit code 1 when an
 * acknowledged saga was lost, an invariant broken, or a saga left unfinished.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run purchase sagas against real processes on 127.0.0.1 (three coordinators sharing a store, "
                + "the order and stock services, a fault proxy in front of each service) while injecting faults; "
                + "then heal everything, wait for every saga to end and audit the databases and the store.",
            "Scenarios: kill-coordinator, pause-coordinator, restart-services, restart-redis, network, "
                + "out-of-memory, mixed. "
                + "Needs PostgreSQL (and MariaDB for --db mariadb) on their local ports and redis-server on the "
                + "PATH (the suite runs its own, with AOF, on a spare port).",
            "Exit code 1 if any acknowledged saga was lost, any invariant broken or any saga left pending."})
public final class ChaosCommand implements Callable<Integer> {

    @Option(names = "--store", split = ",", defaultValue = "postgres,redis",
            description = "the coordinators' store(s): postgres, redis (default: ${DEFAULT-VALUE})")
    List<String> stores;

    @Option(names = "--scenario", split = ",",
            description = "scenario(s) to run (default: all that apply to each store)")
    List<String> scenarios;

    @Option(names = "--duration", defaultValue = "30s", converter = DurationConverter.class,
            description = "fault phase of each scenario, with the load running (default: ${DEFAULT-VALUE})")
    Duration duration;

    @Option(names = "--rate", defaultValue = "40",
            description = "purchase sagas submitted per second (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--concurrency", defaultValue = "8", description = "submitting clients (default: ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--stock", defaultValue = "300",
            description = "initial stock; later purchases fail and are compensated (default: ${DEFAULT-VALUE})")
    int stock;

    @Option(names = "--db", defaultValue = "postgres",
            description = "the services' databases: postgres or mariadb (default: ${DEFAULT-VALUE})")
    String db;

    @Option(names = "--lease", defaultValue = "3s", converter = DurationConverter.class,
            description = "the coordinators' lease; a pause lasts it + 1.5 s (default: ${DEFAULT-VALUE})")
    Duration lease;

    @Option(names = "--quiesce-timeout", defaultValue = "90s", converter = DurationConverter.class,
            description = "longest wait, after the faults stop, for every saga to end (default: ${DEFAULT-VALUE})")
    Duration quiesceTimeout;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the fault draws (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--no-barrier", description = "run the services without the sub-transaction barrier, to show "
            + "that the audit catches what goes wrong")
    boolean noBarrier;

    @Option(names = "--keep-logs", description = "keep the processes' logs also when every scenario passed")
    boolean keepLogs;

    @Option(names = "--json", description = "print one JSON object per scenario")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Cluster.StoreKind> storeKinds = new ArrayList<>();
        List<Scenario> chosen = new ArrayList<>();
        Backend backend;
        try {
            for (String s : stores) {
                storeKinds.add(Cluster.StoreKind.parse(s.trim()));
            }
            if (scenarios == null) {
                chosen.addAll(List.of(Scenario.values()));
            } else {
                for (String s : scenarios) {
                    chosen.add(Scenario.parse(s.trim()));
                }
            }
            backend = Backend.parse(db);
            if (backend == Backend.H2) {
                throw new IllegalArgumentException("--db h2 cannot be used: the services run as a process of their "
                        + "own and are restarted on their data; use postgres or mariadb");
            }
            positive(duration.toMillis(), "--duration");
            positive(lease.toMillis(), "--lease");
            positive(quiesceTimeout.toMillis(), "--quiesce-timeout");
            if (concurrency < 1 || concurrency > 1_000) {
                throw new IllegalArgumentException("--concurrency must be between 1 and 1000, was " + concurrency);
            }
            if (!(rate > 0 && rate <= 10_000)) {
                throw new IllegalArgumentException("--rate must be above 0 and at most 10000, was " + rate);
            }
            if (stock < 0) {
                throw new IllegalArgumentException("--stock must not be negative, was " + stock);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Cluster.Timing timing = new Cluster.Timing(1_000, 200, 2_000, lease.toMillis());
        ChaosRun.Settings settings = new ChaosRun.Settings(duration, rate, concurrency, stock, backend, !noBarrier,
                timing, quiesceTimeout, seed);
        Path dir = Files.createTempDirectory("redsaga-chaos");
        boolean allClean = true;
        if (!json) {
            out.printf("%-18s %-8s %6s %6s %6s %5s %5s %7s %10s %7s %6s%n", "scenario", "store", "sagas", "acked",
                    "faults", "lost", "viol", "pending", "quiesce_s", "fenced", "sold");
            out.flush();
        }
        for (Cluster.StoreKind store : storeKinds) {
            for (Scenario scenario : chosen) {
                if (!scenario.appliesTo(store)) {
                    continue;
                }
                err.printf("redsaga chaos: %s on %s for %d s: %s%n", scenario.wire(), store.wire(),
                        duration.toSeconds(), scenario.description());
                err.flush();
                ChaosRun.Result r;
                try {
                    r = ChaosRun.run(scenario, store, settings, dir.resolve(scenario.wire() + "-" + store.wire()));
                } catch (Exception e) {
                    // a cluster that could not be set up or driven (a database down, redis-server missing...)
                    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(
                            Files.createDirectories(dir).resolve("chaos-error.txt")))) {
                        e.printStackTrace(w);
                    } catch (java.io.IOException traceNotWritten) {
                        e.printStackTrace(err);
                    }
                    err.println("redsaga chaos: " + scenario.wire() + " on " + store.wire() + " could not run: "
                            + e.getMessage());
                    err.println("  logs of every process and the stack trace are in " + dir);
                    return 2;
                }
                allClean &= r.clean();
                print(out, r);
                if (!r.clean()) {
                    r.violationTexts().stream().limit(10).forEach(v -> err.println("    - " + v));
                    if (r.refused() > 0) {
                        err.println("    - " + r.refused() + " submits were refused with a 4xx");
                    }
                }
            }
        }
        if (allClean && !keepLogs) {
            deleteQuietly(dir);
        } else {
            err.println("redsaga chaos: logs of every process are in " + dir);
        }
        err.println(allClean ? "redsaga chaos: CONSISTENT: no acknowledged saga lost, no invariant broken, every "
                + "saga ended after the faults stopped." : "redsaga chaos: FAILED: see above.");
        return allClean ? 0 : 1;
    }

    private void print(PrintWriter out, ChaosRun.Result r) throws Exception {
        if (json) {
            ObjectNode o = WireJson.mapper().createObjectNode();
            o.put("scenario", r.scenario().wire());
            o.put("store", r.store().wire());
            o.put("db", db);
            o.put("barrier", !noBarrier);
            o.put("duration_s", duration.toSeconds());
            o.put("sagas", r.sagas());
            o.put("acknowledged", r.acknowledged());
            o.put("refused", r.refused());
            o.put("faults", r.faults());
            o.put("lost", r.lost());
            o.put("violations", r.violations());
            o.put("pending", r.pending());
            o.put("quiesce_s", r.quiesceS());
            o.put("succeeded", r.succeeded());
            o.put("failed", r.failed());
            o.put("stock_sold", r.stockSold());
            o.put("fenced_writes", r.fenced());
            out.println(WireJson.mapper().writeValueAsString(o));
        } else {
            out.printf("%-18s %-8s %6d %6d %6d %5d %5d %7d %10.1f %7d %6d%n", r.scenario().wire(), r.store().wire(),
                    r.sagas(), r.acknowledged(), r.faults(), r.lost(), r.violations(), r.pending(), r.quiesceS(),
                    r.fenced(), r.stockSold());
        }
        out.flush();
    }

    private static void positive(long v, String name) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + v);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception e) {
            // a leftover temporary directory is harmless
        }
    }
}
