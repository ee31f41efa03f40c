package dev.redsaga.server.engine;

/**
 * One saga step as the engine runs it.
 *
 * @param branchId   DTM's two-digit branch id ("01", "02", ...)
 * @param action     the action URL, or empty: nothing to call, the action succeeds at once (as in DTM)
 * @param compensate the compensation URL, or empty when the step needs none
 * @param payload    the raw request body sent to both
 */
public record Step(String branchId, String action, String compensate, String payload) {
    public boolean hasAction() {
        return !action.isEmpty();
    }

    public boolean hasCompensation() {
        return !compensate.isEmpty();
    }
}
