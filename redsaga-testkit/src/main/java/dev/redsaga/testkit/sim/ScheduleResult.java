package dev.redsaga.testkit.sim;

import java.util.List;
import java.util.Map;

/** What one schedule found: the invariants it saw broken (none, if all is well), the faults, the events run. */
public record ScheduleResult(long seed, List<String> violations, Map<String, Integer> faults, long events,
        List<String> trace) {
}
