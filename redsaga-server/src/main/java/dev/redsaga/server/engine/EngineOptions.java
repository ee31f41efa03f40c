package dev.redsaga.server.engine;

/**
 * Engine-wide settings.
 *
 * @param defaultRequestTimeoutMs  branch call timeout when a transaction sets none
 * @param defaultRetryIntervalMs   backoff base (and the ONGOING interval) when a transaction sets none
 * @param retryCapMs               backoff never grows beyond this
 * @param leaseMs                  how long an instance owns a transaction it drives before others may claim it
 * @param claimBatch               due transactions claimed per store round trip by recovery
 * @param pollIntervalMs           how often recovery looks for due transactions when the last look found few
 * @param maxConcurrentDrives      transactions driven at once by this instance
 * @param maxRequestTimeoutMs      the longest {@code request_timeout} a transaction may ask for (a total deadline
 *                                 per branch call)
 * @param preparedLifetimeMs       how long a prepared transaction without {@code timeout_to_fail} waits for its
 *                                 submit before it fails
 * @param permitWaitMs             how long a submit waits for a free drive; then it is refused, nothing stored
 */
public record EngineOptions(
        long defaultRequestTimeoutMs,
        long defaultRetryIntervalMs,
        long retryCapMs,
        long leaseMs,
        int claimBatch,
        long pollIntervalMs,
        int maxConcurrentDrives,
        long maxRequestTimeoutMs,
        long preparedLifetimeMs,
        long permitWaitMs) {

    public static final long DEFAULT_MAX_REQUEST_TIMEOUT_MS = 60_000;
    public static final long DEFAULT_PREPARED_LIFETIME_MS = 3_600_000;
    public static final long DEFAULT_PERMIT_WAIT_MS = 5_000;

    public static EngineOptions defaults() {
        return new EngineOptions(3_000, 1_000, 60_000, 15_000, 200, 500, 4_096);
    }

    /** The first seven settings; the limits at their defaults. */
    public EngineOptions(long defaultRequestTimeoutMs, long defaultRetryIntervalMs, long retryCapMs, long leaseMs,
            int claimBatch, long pollIntervalMs, int maxConcurrentDrives) {
        this(defaultRequestTimeoutMs, defaultRetryIntervalMs, retryCapMs, leaseMs, claimBatch, pollIntervalMs,
                maxConcurrentDrives, Math.max(DEFAULT_MAX_REQUEST_TIMEOUT_MS, defaultRequestTimeoutMs),
                DEFAULT_PREPARED_LIFETIME_MS, DEFAULT_PERMIT_WAIT_MS);
    }

    public EngineOptions {
        positive("defaultRequestTimeoutMs", defaultRequestTimeoutMs);
        positive("defaultRetryIntervalMs", defaultRetryIntervalMs);
        positive("retryCapMs", retryCapMs);
        positive("leaseMs", leaseMs);
        positive("claimBatch", claimBatch);
        positive("pollIntervalMs", pollIntervalMs);
        positive("maxConcurrentDrives", maxConcurrentDrives);
        positive("maxRequestTimeoutMs", maxRequestTimeoutMs);
        positive("preparedLifetimeMs", preparedLifetimeMs);
        positive("permitWaitMs", permitWaitMs);
        if (defaultRequestTimeoutMs > maxRequestTimeoutMs) {
            throw new IllegalArgumentException("the default request timeout (" + defaultRequestTimeoutMs
                    + " ms) is above the maximum request timeout (" + maxRequestTimeoutMs + " ms)");
        }
    }

    /** These options with other limits. */
    public EngineOptions withLimits(long maxRequestTimeout, long preparedLifetime, long permitWait) {
        return new EngineOptions(defaultRequestTimeoutMs, defaultRetryIntervalMs, retryCapMs, leaseMs, claimBatch,
                pollIntervalMs, maxConcurrentDrives, maxRequestTimeout, preparedLifetime, permitWait);
    }

    private static void positive(String name, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + v);
        }
    }
}
