package dev.redsaga.server.engine;

/**
 * Engine-wide settings: built with {@link #builder()}, whose defaults are the constants below (the one home of
 * every default) and whose {@link Builder#build()} checks them all at once.
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

    public static final long DEFAULT_REQUEST_TIMEOUT_MS = 3_000;
    public static final long DEFAULT_RETRY_INTERVAL_MS = 1_000;
    public static final long DEFAULT_RETRY_CAP_MS = 60_000;
    public static final long DEFAULT_LEASE_MS = 15_000;
    public static final int DEFAULT_CLAIM_BATCH = 200;
    public static final long DEFAULT_POLL_INTERVAL_MS = 500;
    public static final int DEFAULT_MAX_DRIVES = 4_096;
    public static final long DEFAULT_MAX_REQUEST_TIMEOUT_MS = 60_000;
    public static final long DEFAULT_PREPARED_LIFETIME_MS = 3_600_000;
    public static final long DEFAULT_PERMIT_WAIT_MS = 5_000;

    public static EngineOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to change some of them. */
    public Builder toBuilder() {
        return new Builder().defaultRequestTimeoutMs(defaultRequestTimeoutMs)
                .defaultRetryIntervalMs(defaultRetryIntervalMs).retryCapMs(retryCapMs).leaseMs(leaseMs)
                .claimBatch(claimBatch).pollIntervalMs(pollIntervalMs).maxConcurrentDrives(maxConcurrentDrives)
                .maxRequestTimeoutMs(maxRequestTimeoutMs).preparedLifetimeMs(preparedLifetimeMs)
                .permitWaitMs(permitWaitMs);
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

    private static void positive(String name, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + v);
        }
    }

    /** Named settings, each at its default until set; {@link #build()} checks them. */
    public static final class Builder {
        private long defaultRequestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;
        private long defaultRetryIntervalMs = DEFAULT_RETRY_INTERVAL_MS;
        private long retryCapMs = DEFAULT_RETRY_CAP_MS;
        private long leaseMs = DEFAULT_LEASE_MS;
        private int claimBatch = DEFAULT_CLAIM_BATCH;
        private long pollIntervalMs = DEFAULT_POLL_INTERVAL_MS;
        private int maxConcurrentDrives = DEFAULT_MAX_DRIVES;
        /** Unset: the default, or the default request timeout if that is longer. */
        private Long maxRequestTimeoutMs;
        private long preparedLifetimeMs = DEFAULT_PREPARED_LIFETIME_MS;
        private long permitWaitMs = DEFAULT_PERMIT_WAIT_MS;

        private Builder() {
        }

        public Builder defaultRequestTimeoutMs(long ms) {
            this.defaultRequestTimeoutMs = ms;
            return this;
        }

        public Builder defaultRetryIntervalMs(long ms) {
            this.defaultRetryIntervalMs = ms;
            return this;
        }

        public Builder retryCapMs(long ms) {
            this.retryCapMs = ms;
            return this;
        }

        public Builder leaseMs(long ms) {
            this.leaseMs = ms;
            return this;
        }

        public Builder claimBatch(int n) {
            this.claimBatch = n;
            return this;
        }

        public Builder pollIntervalMs(long ms) {
            this.pollIntervalMs = ms;
            return this;
        }

        public Builder maxConcurrentDrives(int n) {
            this.maxConcurrentDrives = n;
            return this;
        }

        public Builder maxRequestTimeoutMs(long ms) {
            this.maxRequestTimeoutMs = ms;
            return this;
        }

        public Builder preparedLifetimeMs(long ms) {
            this.preparedLifetimeMs = ms;
            return this;
        }

        public Builder permitWaitMs(long ms) {
            this.permitWaitMs = ms;
            return this;
        }

        /** @throws IllegalArgumentException naming the first setting out of range */
        public EngineOptions build() {
            long maxRequestTimeout = maxRequestTimeoutMs != null ? maxRequestTimeoutMs
                    : Math.max(DEFAULT_MAX_REQUEST_TIMEOUT_MS, defaultRequestTimeoutMs);
            return new EngineOptions(defaultRequestTimeoutMs, defaultRetryIntervalMs, retryCapMs, leaseMs, claimBatch,
                    pollIntervalMs, maxConcurrentDrives, maxRequestTimeout, preparedLifetimeMs, permitWaitMs);
        }
    }
}
