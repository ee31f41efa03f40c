package dev.redsaga.example.orderstock;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redsaga.protocol.WireJson;
import dev.redsaga.server.cli.DurationConverter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code redsaga demo}: the seed's order/stock experiment, run and audited. Exit code 1 when violations were found. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the seed's experiment: purchase sagas (create order -> deduct stock) at high concurrency "
                + "against a small stock, on a coordinator and two services with their own databases;",
            "then audit the databases and the coordinator's store saga by saga. Exit code 1 if anything is inconsistent.",
            "With --mode tcc the same purchase as TCC: try (pending order, frozen stock), then confirm or cancel.",
            "With --mode msg as a 2-phase message: the stock deducted in a local transaction, then a message creates "
                + "the order."})
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--mode", defaultValue = "saga", description = "saga; tcc: each purchase as a TCC transaction; "
            + "msg: as a 2-phase message (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--requests", defaultValue = "1000", description = "purchase sagas to submit (default: ${DEFAULT-VALUE})")
    int requests;

    @Option(names = "--concurrency", defaultValue = "1000", description = "submits in flight at once (default: ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--stock", defaultValue = "100", description = "initial stock of the product (default: ${DEFAULT-VALUE})")
    int stock;

    @Option(names = "--db", defaultValue = "h2", description = "the services' databases: h2 (embedded), postgres or mariadb "
            + "(local servers, see docs/operations.md) (default: ${DEFAULT-VALUE})")
    String db;

    @Option(names = "--fail-rate", defaultValue = "0", description = "share of branch requests answered FAILURE or 500")
    double failRate;

    @Option(names = "--timeout-rate", defaultValue = "0", description = "share of requests that commit but answer after the timeout")
    double timeoutRate;

    @Option(names = "--hang-rate", defaultValue = "0", description = "share of actions answered 500 and run late (after their compensation)")
    double hangRate;

    @Option(names = "--duplicate-rate", defaultValue = "0", description = "share of requests delivered twice")
    double duplicateRate;

    @Option(names = "--drop-submit-rate", defaultValue = "0", description = "--mode msg: share of messages whose "
            + "sender dies between its commit and its submit (the coordinator's back-check settles them)")
    double dropSubmitRate;

    @Option(names = "--slow-ms", defaultValue = "0", description = "extra time every branch request takes in the "
            + "services, holding a database connection: a deliberately slow service (default: ${DEFAULT-VALUE})")
    long slowMs;

    @Option(names = "--naive-services", description = "the services neither look at the coordinator's deadline nor "
            + "bound their queue: what the coordinator's pacing must protect")
    boolean naiveServices;

    @Option(names = "--no-barrier", description = "run the services without the sub-transaction barrier, to show what goes wrong")
    boolean noBarrier;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the fault draws (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--store", description = "the coordinator's store (default: an embedded H2 file in a temporary directory)")
    String store;

    @Option(names = "--request-timeout", defaultValue = "1s", converter = DurationConverter.class,
            description = "branch request timeout (default: ${DEFAULT-VALUE})")
    Duration requestTimeout;

    @Option(names = "--drain-timeout", defaultValue = "120s", converter = DurationConverter.class,
            description = "longest wait for every saga to end after the last submit (default: ${DEFAULT-VALUE})")
    Duration drainTimeout;

    @Option(names = "--json", description = "print, as the last line, one JSON object with the figures")
    boolean json;

    @Option(names = "--metrics", paramLabel = "FILE", description = "write the coordinator's /api/metrics, as "
            + "Prometheus reads it, to FILE at the end of the run")
    Path metricsFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Experiment.Settings settings;
        Path tempStore = null;
        try {
            Backend backend = Backend.parse(db);
            Experiment.Mode m = mode(mode);
            if (dropSubmitRate > 0 && m != Experiment.Mode.MSG) {
                throw new IllegalArgumentException("--drop-submit-rate is for --mode msg");
            }
            if (noBarrier && m == Experiment.Mode.MSG) {
                throw new IllegalArgumentException("--mode msg needs the barrier: without it nothing can answer the "
                        + "back-check of a message whose submit was lost; drop --no-barrier");
            }
            Faults faults = new Faults(failRate, timeoutRate, hangRate, duplicateRate, seed)
                    .withService(slowMs, naiveServices).withDroppedSubmits(dropSubmitRate);
            String coordinatorStore = store;
            if (coordinatorStore == null) {
                tempStore = Files.createTempDirectory("redsaga-demo");
                coordinatorStore = "h2:" + tempStore.resolve("coordinator");
            }
            settings = new Experiment.Settings(requests, concurrency, stock, backend, faults, !noBarrier,
                    coordinatorStore, requestTimeout.toMillis(), drainTimeout).withMode(m);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        err.printf("redsaga demo: %d purchases (%s) at concurrency %d for a stock of %d; services on %s%s; faults: %s%n",
                requests, settings.mode().name().toLowerCase(), concurrency, stock,
                settings.backend().name().toLowerCase(),
                noBarrier ? " WITHOUT the barrier" : " with the barrier", settings.faults());
        Experiment.Result result;
        try {
            result = Experiment.run(settings, (submitted, total, finished, elapsedMs) -> {
                err.printf("\r  submitted %d/%d  finished %s  %.1f s   ", submitted, total,
                        finished < 0 ? "-" : finished + "/" + total, elapsedMs / 1000.0);
                err.flush();
            });
        } catch (IllegalStateException e) {
            err.println();
            err.println("redsaga demo: " + e.getMessage());
            return 2;
        } finally {
            deleteQuietly(tempStore);
        }
        err.println();
        Auditor.Report r = result.report();
        out.println();
        out.printf("  purchases submitted   %6d   (submit errors %d, faults injected %d%s)%n", r.requests(),
                result.submitErrors(), result.faultsInjected(), result.droppedSubmits() > 0
                        ? ", of which " + result.droppedSubmits() + " dropped submits" : "");
        if (result.firstSubmitError() != null) {
            out.println("    first submit error: " + result.firstSubmitError());
        }
        out.printf("  sagas succeeded       %6d%n", r.succeeded());
        out.printf("  sagas failed          %6d   (%s)%n", r.failed(),
                settings.mode() == Experiment.Mode.MSG ? "rolled back, nothing sent" : "compensated");
        out.printf("  sagas pending         %6d%n", r.pending());
        out.printf("  stock sold            %6d   of %d (available %d, frozen %d)%n", r.stockSold(), r.stockInitial(),
                r.stockAvailable(), r.stockFrozen());
        out.printf("  orders success        %6d   cancelled %d%n", r.ordersSuccess(), r.ordersCancelled());
        out.printf("  elapsed               %6.1f s  (%.0f sagas/s)%n", result.elapsedMs() / 1000.0,
                result.throughputPerSecond());
        out.printf("  violations            %6d%n", r.violations().size());
        r.violations().stream().limit(20).forEach(v -> out.println("    - " + v));
        if (r.violations().size() > 20) {
            out.println("    ... and " + (r.violations().size() - 20) + " more");
        }
        if (metricsFile != null) {
            try {
                Files.writeString(metricsFile, result.metrics());
                out.printf("  coordinator metrics   written to %s%n", metricsFile);
            } catch (IOException e) {
                err.println("redsaga demo: cannot write --metrics " + metricsFile + ": " + e.getMessage());
            }
        }
        out.println();
        out.println(r.violations().isEmpty()
                ? "  CONSISTENT: every saga ended, every effect matches its saga (the seed: 98%, 4 of 100 sold)."
                : "  INCONSISTENT: see the violations above.");
        if (json) {
            ObjectNode o = WireJson.mapper().createObjectNode();
            o.put("mode", settings.mode().name().toLowerCase());
            o.put("requests", r.requests());
            o.put("concurrency", concurrency);
            o.put("db", settings.backend().name().toLowerCase());
            o.put("barrier", !noBarrier);
            o.put("stock_initial", r.stockInitial());
            o.put("succeeded", r.succeeded());
            o.put("failed", r.failed());
            o.put("pending", r.pending());
            o.put("stock_available", r.stockAvailable());
            o.put("stock_frozen", r.stockFrozen());
            o.put("stock_sold", r.stockSold());
            o.put("orders_success", r.ordersSuccess());
            o.put("orders_cancelled", r.ordersCancelled());
            o.put("violations", r.violations().size());
            o.put("submit_errors", result.submitErrors());
            o.put("faults_injected", result.faultsInjected());
            o.put("dropped_submits", result.droppedSubmits());
            o.put("elapsed_ms", result.elapsedMs());
            o.put("throughput_per_s", Math.round(result.throughputPerSecond() * 10) / 10.0);
            out.println(WireJson.mapper().writeValueAsString(o));
        }
        out.flush();
        return r.violations().isEmpty() ? 0 : 1;
    }

    private static Experiment.Mode mode(String m) {
        return switch (m) {
            case "saga" -> Experiment.Mode.SAGA;
            case "tcc" -> Experiment.Mode.TCC;
            case "msg" -> Experiment.Mode.MSG;
            default -> throw new IllegalArgumentException("--mode must be saga, tcc or msg, was '" + m + "'");
        };
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception e) {
            // a leftover temporary directory is harmless
        }
    }
}
