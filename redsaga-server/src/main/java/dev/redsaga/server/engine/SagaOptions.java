package dev.redsaga.server.engine;

import java.util.Map;

/**
 * The per-transaction options, resolved against the server's defaults. Durations in milliseconds;
 * 0 means "none" for {@code timeoutToFailMs}, {@code retryLimit} and {@code delayMs}.
 *
 * @param queryPrepared a message's back-check URL, or empty (other types, or a message submitted without prepare)
 * @param delayMs       a message's branches are called no sooner than this after it was created
 * @param traceParent   the W3C {@code traceparent} its branch calls descend from (the request that created it), or
 *                      empty; carried to the transport, never read by the engine
 * @param traceState    the W3C {@code tracestate} that goes with it, or empty
 */
public record SagaOptions(
        long timeoutToFailMs,
        long requestTimeoutMs,
        long retryIntervalMs,
        long retryLimit,
        Map<String, String> branchHeaders,
        boolean concurrent,
        String queryPrepared,
        long delayMs,
        String traceParent,
        String traceState) {

    /** These options, traced from another context. */
    public SagaOptions withTrace(String parent, String state) {
        return new SagaOptions(timeoutToFailMs, requestTimeoutMs, retryIntervalMs, retryLimit, branchHeaders,
                concurrent, queryPrepared, delayMs, parent, state);
    }
}
