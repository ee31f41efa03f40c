package dev.redsaga.server.engine;

/**
 * One saga step as the engine runs it.
 *
 * @param branchId   DTM's branch id ("01", "02", ...; a message step sent to a topic's subscribers: "01-01",
 *                   "01-02", ... one per subscriber, as DTM numbers them)
 * @param action     the action URL, or empty: nothing to call, the action succeeds at once (as in DTM)
 * @param compensate the compensation URL, or empty when the step needs none
 * @param payload    the raw request body sent to both
 * @param topic      the topic this step was sent to ({@code topic://name} as the client gave it), this step being
 *                   one of its subscribers; empty for a step given with its own URL
 */
public record Step(String branchId, String action, String compensate, String payload, String topic) {

    /** A step given with its own URLs. */
    public Step(String branchId, String action, String compensate, String payload) {
        this(branchId, action, compensate, payload, "");
    }

    public boolean hasAction() {
        return !action.isEmpty();
    }

    /** Whether this step names a topic whose subscribers are not resolved yet ({@code topic://name}). */
    public boolean sentToTopic() {
        return action.startsWith(SagaDefinition.TOPIC_SCHEME);
    }

    public boolean hasCompensation() {
        return !compensate.isEmpty();
    }
}
