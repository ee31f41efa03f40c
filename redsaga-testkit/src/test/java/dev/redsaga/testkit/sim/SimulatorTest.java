package dev.redsaga.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The simulator in the build: a fixed set of seeds keeps every invariant with the real engine and barrier; each
 * known bug switched on is found within a few thousand seeds (so the checks can fail); a seed replays exactly.
 */
class SimulatorTest {

    @Test
    void aFixedSetOfSeedsKeepsEveryInvariant() {
        try (Simulator sim = new Simulator(null)) {
            Simulator.Report r = sim.run(1, 10_000);
            System.out.printf("simulated %d schedules in %.1f s (%.0f/s), %d events, faults %s%n", r.schedules(),
                    r.seconds(), r.schedulesPerSecond(), r.events(), r.faults());
            assertThat(r.firstViolations()).isEmpty();
            assertThat(r.faults()).containsKeys("crash", "pause", "clock_jump", "store_ambiguous", "answer_lost",
                    "duplicate", "delivery_late", "business_died");
        }
    }

    @ParameterizedTest
    @EnumSource(Mutant.class)
    void everyKnownBugIsFound(Mutant mutant) {
        try (Simulator sim = new Simulator(mutant)) {
            Simulator.Report r = sim.run(1, 5_000);
            assertThat(r.violations()).as(mutant + " found in 5,000 schedules").isPositive();
            System.out.println(mutant + ": " + r.violations() + " of 5,000 schedules, e.g. "
                    + r.firstViolations().getFirst());
        }
    }

    /**
     * A store that forgets acknowledged writes breaks the invariants however correct the engine: a lost transition
     * takes the version backwards, and fencing with it. This is why a store setting must make a write durable (or
     * replicated) before it is acknowledged (docs/stores.md).
     */
    @Test
    void aStoreThatLosesAcknowledgedWritesBreaksTheInvariants() {
        try (Simulator sim = new Simulator(null, true)) {
            Simulator.Report r = sim.run(1, 5_000);
            System.out.println("lost writes: " + r.violations() + " of 5,000 schedules, e.g. "
                    + r.firstViolations().getFirst());
            assertThat(r.faults()).containsKey("lost_writes");
            assertThat(r.violations()).isPositive();
        }
    }

    @Test
    void aSeedReplaysExactly() {
        try (Simulator sim = new Simulator(Mutant.NOT_AWAITING_IN_FLIGHT)) {
            long seed = sim.run(1, 5_000).failingSeeds().getFirst();
            ScheduleResult first = sim.runOne(seed, true);
            ScheduleResult again = sim.runOne(seed, true);
            assertThat(first.violations()).isNotEmpty();
            assertThat(again.trace()).isEqualTo(first.trace());
            assertThat(again.violations()).isEqualTo(first.violations());
            assertThat(again.events()).isEqualTo(first.events());
        }
    }
}
