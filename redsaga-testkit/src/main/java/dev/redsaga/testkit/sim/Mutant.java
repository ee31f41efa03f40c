package dev.redsaga.testkit.sim;

import dev.redsaga.server.engine.EngineMutant;

/**
 * Known bugs the simulator can switch on, to prove it finds them: {@code redsaga simulate --mutant NAME}. Each
 * lives in a clearly named code path — the engine's {@link EngineMutant}s, the simulator's own store and barrier
 * copies — that nothing in the server reaches.
 */
public enum Mutant {
    SKIP_FAILED_STEP_COMPENSATION("an aborted saga does not compensate the step whose action failed",
            EngineMutant.SKIP_FAILED_STEP_COMPENSATION),
    COMPENSATE_BEFORE_ABORT_STORED("compensations start before 'aborting' is stored",
            EngineMutant.COMPENSATE_BEFORE_ABORT_STORED),
    NOT_AWAITING_IN_FLIGHT("an abort goes ahead while calls are in flight, taking them for never started",
            EngineMutant.NOT_AWAITING_IN_FLIGHT),
    TCC_TIMEOUT_WITHOUT_CANCEL("a TCC transaction that times out while prepared fails without cancelling its "
            + "branches", EngineMutant.TCC_TIMEOUT_WITHOUT_CANCEL),
    MSG_TIMEOUT_WITHOUT_BACK_CHECK("a prepared message whose submit never came is sent without asking its "
            + "query_prepared", EngineMutant.MSG_TIMEOUT_WITHOUT_BACK_CHECK),
    WRITE_WITHOUT_VERSION_CHECK("the store accepts a write whatever the stored version (no fencing)", null),
    EMPTY_COMPENSATION_WITHOUT_COMMIT("the barrier answers an empty compensation without committing its record",
            null),
    ERROR_COMMITS_HALF_DONE_BUSINESS("the barrier lets an Error escape without rolling back, so the half-done "
            + "business commits", null),
    MSG_BACK_CHECK_WITHOUT_RECORD("the barrier answers a message's back-check without writing its row, so a local "
            + "transaction after it still commits", null);

    private final String description;
    private final EngineMutant engine;

    Mutant(String description, EngineMutant engine) {
        this.description = description;
        this.engine = engine;
    }

    public String description() {
        return description;
    }

    /** The engine bug this switches on, or {@code null} when the bug is in the store or the barrier. */
    public EngineMutant engine() {
        return engine;
    }

    /** The command-line name, e.g. {@code skip-failed-step-compensation}. */
    public String cliName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    public static Mutant fromCli(String name) {
        for (Mutant m : values()) {
            if (m.cliName().equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown mutant '" + name + "'; --mutant list names them");
    }
}
