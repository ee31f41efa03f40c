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
 * @param maxConcurrentDrives      transactions driven at once by this instance (submits wait beyond this)
 */
public record EngineOptions(
        long defaultRequestTimeoutMs,
        long defaultRetryIntervalMs,
        long retryCapMs,
        long leaseMs,
        int claimBatch,
        long pollIntervalMs,
        int maxConcurrentDrives) {

    public static EngineOptions defaults() {
        return new EngineOptions(3_000, 1_000, 60_000, 15_000, 200, 500, 4_096);
    }

    public EngineOptions {
        positive("defaultRequestTimeoutMs", defaultRequestTimeoutMs);
        positive("defaultRetryIntervalMs", defaultRetryIntervalMs);
        positive("retryCapMs", retryCapMs);
        positive("leaseMs", leaseMs);
        positive("claimBatch", claimBatch);
        positive("pollIntervalMs", pollIntervalMs);
        positive("maxConcurrentDrives", maxConcurrentDrives);
    }

    private static void positive(String name, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + v);
        }
    }
}
