package dev.redsaga.server.engine.kind;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.engine.BranchCall;
import dev.redsaga.server.engine.SagaDefinition;
import dev.redsaga.server.engine.SagaProgress;
import java.util.Set;

/**
 * Everything a plan depends on: no clock, no store, no I/O.
 *
 * @param createdAt          when the transaction was stored (epoch ms): its timeouts and delay count from here
 * @param now                the time of the plan (epoch ms)
 * @param inFlight           calls started and not yet answered: never started again
 * @param preparedLifetimeMs how long a prepared transaction without {@code timeout_to_fail} waits for its submit
 */
public record Situation(SagaDefinition def, TransStatus status, SagaProgress progress, long createdAt, long now,
        Set<BranchCall> inFlight, long preparedLifetimeMs) {
}
