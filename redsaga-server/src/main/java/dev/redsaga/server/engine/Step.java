package dev.redsaga.server.engine;

/**
 * One saga step as the engine runs it.
 *
 * @param branchId   DTM's two-digit branch id ("01", "02", ...)
 * @param action     the action URL, never empty
 * @param compensate the compensation URL, or empty when the step needs none
 * @param payload    the raw request body sent to both
 */
public record Step(String branchId, String action, String compensate, String payload) {
    public boolean hasCompensation() {
        return !compensate.isEmpty();
    }
}
