package dev.redsaga.testkit.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redsaga.protocol.WireJson;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code redsaga simulate}: the deterministic simulator, seed after seed, or one seed replayed with its trace. */
@Command(name = "simulate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the real engine and barrier under seeded random schedules of faults, on simulated time,",
            "and check the invariants after each (docs/simulation.md). The same seed replays the same schedule."})
public final class SimulateCommand implements Callable<Integer> {

    @Option(names = "--seeds", description = "how many schedules to run (default: 1000, or 1 with --seed)")
    Long seeds;

    @Option(names = "--seed", description = "the first seed (default: 1); alone, replays that one schedule and "
            + "prints its trace")
    Long seed;

    @Option(names = "--mutant", description = "switch on a known bug, to see the simulator find it; "
            + "'list' names them")
    String mutant;

    @Option(names = "--lost-writes", description = "let the store forget its last second of acknowledged writes "
            + "(as Redis with appendfsync everysec on a crash, or a failover to a lagging replica)")
    boolean lostWrites;

    @Option(names = "--json", description = "print, as the last line, one JSON object with the figures")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if ("list".equals(mutant)) {
            for (Mutant m : Mutant.values()) {
                out.printf("%-36s %s%n", m.cliName(), m.description());
            }
            return 0;
        }
        Mutant m;
        try {
            m = mutant == null ? null : Mutant.fromCli(mutant);
        } catch (IllegalArgumentException e) {
            err.println("redsaga simulate: " + e.getMessage());
            return 2;
        }
        if (seeds != null && seeds < 1) {
            err.println("redsaga simulate: --seeds must be at least 1, was " + seeds);
            return 2;
        }
        try (Simulator sim = new Simulator(m, lostWrites)) {
            if (seed != null && seeds == null) {
                return replay(sim, seed, m, out);
            }
            long first = seed == null ? 1 : seed;
            long count = seeds == null ? 1_000 : seeds;
            Simulator.Report r = sim.run(first, count);
            out.printf("  schedules     %d (seeds %d..%d)%s%n", r.schedules(), first, first + count - 1,
                    m == null ? "" : ", mutant " + m.cliName());
            out.printf("  violations    %d%n", r.violations());
            out.printf("  speed         %.0f schedules/s (%.0f per hour), %d events%n", r.schedulesPerSecond(),
                    r.schedulesPerSecond() * 3600, r.events());
            out.printf("  faults        %s%n", r.faults());
            for (String v : r.firstViolations()) {
                out.println("  " + v);
            }
            if (!r.failingSeeds().isEmpty()) {
                long failing = r.failingSeeds().getFirst();
                ScheduleResult replay = sim.runOne(failing, true);
                String gid = replay.violations().getFirst().split("[ :]", 2)[0];
                out.printf("  the trace of %s in seed %d:%n", gid, failing);
                replay.trace().stream().filter(line -> line.contains(gid + " ") || !line.contains(" s"))
                        .forEach(line -> out.println("    " + line));
                out.printf("  replay it all: ./redsaga simulate --seed %d%s%s%n", failing,
                        m == null ? "" : " --mutant " + m.cliName(), lostWrites ? " --lost-writes" : "");
            }
            if (json) {
                ObjectNode j = WireJson.mapper().createObjectNode();
                j.put("schedules", r.schedules());
                j.put("violations", r.violations());
                j.put("schedules_per_s", Math.round(r.schedulesPerSecond() * 10) / 10.0);
                j.put("first_seed", first);
                j.put("mutant", m == null ? null : m.cliName());
                j.put("lost_writes", lostWrites);
                j.putPOJO("failing_seeds", r.failingSeeds());
                j.putPOJO("faults", r.faults());
                j.put("events", r.events());
                out.println(j);
            }
            return r.violations() == 0 ? 0 : 1;
        }
    }

    private int replay(Simulator sim, long s, Mutant m, PrintWriter out) {
        ScheduleResult r = sim.runOne(s, true);
        r.trace().forEach(line -> out.println("  " + line));
        out.printf("  seed %d%s: %d events, faults %s%n", s, m == null ? "" : " (mutant " + m.cliName() + ")",
                r.events(), r.faults());
        if (r.violations().isEmpty()) {
            out.println("  no violation");
            return 0;
        }
        r.violations().forEach(v -> out.println("  VIOLATION " + v));
        return 1;
    }
}
