package dev.redsaga.testkit.sim;

/**
 * Known bugs the simulator can switch on, to prove it finds them: {@code redsaga simulate --mutant NAME}. Each
 * lives in the testkit, in a clearly named path nothing in the server reaches: a wrapper of the engine's plans
 * ({@link MutatedPlanner}), a view of the store ({@link AbortKeptBackStore}), the simulator's own store
 * ({@link SimStore}) and its copy of the barrier ({@link MutatedBarrier}).
 */
public enum Mutant {
    SKIP_FAILED_STEP_COMPENSATION("an aborted saga does not compensate the step whose action failed"),
    COMPENSATE_BEFORE_ABORT_STORED("compensations start before 'aborting' is stored"),
    NOT_AWAITING_IN_FLIGHT("an abort goes ahead while calls are in flight, taking them for never started"),
    TCC_TIMEOUT_WITHOUT_CANCEL("a TCC transaction that times out while prepared fails without cancelling its "
            + "branches"),
    MSG_TIMEOUT_WITHOUT_BACK_CHECK("a prepared message whose submit never came is sent without asking its "
            + "query_prepared"),
    WRITE_WITHOUT_VERSION_CHECK("the store accepts a write whatever the stored version (no fencing)"),
    EMPTY_COMPENSATION_WITHOUT_COMMIT("the barrier answers an empty compensation without committing its record"),
    ERROR_COMMITS_HALF_DONE_BUSINESS("the barrier lets an Error escape without rolling back, so the half-done "
            + "business commits"),
    MSG_BACK_CHECK_WITHOUT_RECORD("the barrier answers a message's back-check without writing its row, so a local "
            + "transaction after it still commits");

    private final String description;

    Mutant(String description) {
        this.description = description;
    }

    public String description() {
        return description;
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
