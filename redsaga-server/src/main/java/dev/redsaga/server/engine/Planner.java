package dev.redsaga.server.engine;

import dev.redsaga.protocol.TransStatus;
import java.util.Set;

/**
 * What the driver asks before each step: the {@link SagaMachine}'s {@link SagaMachine#plan}. An interface so that
 * the plans can be wrapped from outside (the simulator builds its known engine bugs this way), never changed inside.
 */
@FunctionalInterface
public interface Planner {
    /**
     * What to do next.
     *
     * @param inFlight calls started and not yet answered; never started again, and no state change is final
     *                 while any is in flight (the driver awaits them first)
     */
    Plan plan(SagaDefinition def, TransStatus status, SagaProgress p, long createdAt, long now,
            Set<BranchCall> inFlight);
}
