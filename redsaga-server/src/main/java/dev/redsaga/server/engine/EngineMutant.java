package dev.redsaga.server.engine;

/**
 * Known bugs the engine can be built with, on purpose, so the simulator can prove it finds them
 * ({@code redsaga simulate --mutant}). Nothing in the server wires one in: only the simulator's constructor of
 * {@link SagaEngine} takes them.
 */
public enum EngineMutant {
    /** An aborted saga does not compensate the step whose action failed (a late duplicate of it then hangs). */
    SKIP_FAILED_STEP_COMPENSATION,
    /** Compensations start before {@code aborting} is stored (a crash then lets recovery drive the saga forward). */
    COMPENSATE_BEFORE_ABORT_STORED,
    /** An abort goes ahead while calls are in flight, taking those calls for never started. */
    NOT_AWAITING_IN_FLIGHT,
    /**
     * A TCC transaction that times out while prepared fails as a prepared saga does, without cancelling: what its
     * tries reserved stays reserved.
     */
    TCC_TIMEOUT_WITHOUT_CANCEL,
    /**
     * A prepared message whose submit never came is sent at its timeout without asking its {@code query_prepared}:
     * sent though its local transaction may never have committed.
     */
    MSG_TIMEOUT_WITHOUT_BACK_CHECK
}
