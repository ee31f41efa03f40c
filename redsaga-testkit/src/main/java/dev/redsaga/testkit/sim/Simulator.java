package dev.redsaga.testkit.sim;

import java.util.ArrayList;
import java.util.TreeMap;
import java.util.List;
import java.util.Map;

/**
 * Runs schedules, seed after seed, on the calling thread: the real engine (two coordinator instances), the real
 * barrier in every simulated service, a simulated store, network, clock and processes. Each seed is one schedule;
 * the same seed always gives the same schedule, so a violation is replayed with {@code --seed}.
 */
public final class Simulator implements AutoCloseable {
    private final Mutant mutant;
    private final boolean lostWrites;
    private final Participants participants;
    private final ch.qos.logback.classic.Logger engineLog =
            (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.redsaga.server");
    private final ch.qos.logback.classic.Level engineLogLevel = engineLog.getLevel();

    /** @param mutant a known bug to switch on, or {@code null} for the real engine and barrier */
    public Simulator(Mutant mutant) {
        this(mutant, false);
    }

    /**
     * @param lostWrites whether the store may forget its last second of acknowledged writes (a store whose writes
     *                   are not durable when acknowledged), to show what that does to the invariants
     */
    public Simulator(Mutant mutant, boolean lostWrites) {
        this.mutant = mutant;
        this.lostWrites = lostWrites;
        this.participants = new Participants(mutant);
        // the injected faults would log thousands of warnings a second; the trace of a replay says what happened
        engineLog.setLevel(ch.qos.logback.classic.Level.OFF);
    }

    /** What a run of many schedules found. */
    public record Report(long schedules, long violations, List<Long> failingSeeds, List<String> firstViolations,
            Map<String, Long> faults, long events, double seconds) {
        public double schedulesPerSecond() {
            return seconds == 0 ? 0 : schedules / seconds;
        }
    }

    /** Runs {@code count} schedules from {@code firstSeed}, keeping the first few failing seeds. */
    public Report run(long firstSeed, long count) {
        long started = System.nanoTime();
        long violations = 0;
        long events = 0;
        List<Long> failing = new ArrayList<>();
        List<String> first = new ArrayList<>();
        Map<String, Long> faults = new TreeMap<>();
        for (long i = 0; i < count; i++) {
            ScheduleResult r = runOne(firstSeed + i, false);
            events += r.events();
            r.faults().forEach((k, v) -> faults.merge(k, (long) v, Long::sum));
            if (!r.violations().isEmpty()) {
                violations++;
                if (failing.size() < 10) {
                    failing.add(r.seed());
                    first.add("seed " + r.seed() + ": " + r.violations().getFirst());
                }
            }
        }
        return new Report(count, violations, failing, first, faults, events, (System.nanoTime() - started) / 1e9);
    }

    /** One schedule; with {@code tracing}, its trace of events is kept (for a replay). */
    public ScheduleResult runOne(long seed, boolean tracing) {
        return new Schedule(seed, mutant, lostWrites, participants, tracing).run();
    }

    @Override
    public void close() {
        participants.close();
        engineLog.setLevel(engineLogLevel);
    }
}
