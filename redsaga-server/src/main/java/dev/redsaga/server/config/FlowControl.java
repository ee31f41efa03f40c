package dev.redsaga.server.config;

import java.time.Duration;

/**
 * How the coordinator paces its calls to each branch destination (scheme, host and port), so that a slow service
 * is not buried under calls nobody waits for any more (see docs/design.md, "Overload").
 *
 * @param minLimit        calls in flight to one destination never limited below this
 * @param initialLimit    the limit a destination starts with
 * @param maxLimit        and never above this (also the client's connections per destination)
 * @param retryShare      a retry spends a token; each first call earns this share of one, so failing retries add
 *                        at most this share to a destination's load (a retry that gets an answer pays its token back)
 * @param retryFloor      tokens earned per second whatever the traffic, so a quiet destination can still be retried
 * @param retryBurst      tokens saved up at most
 * @param circuitWindow   the last calls whose failure rate decides whether the circuit opens
 * @param circuitFailurePercent the circuit opens when at least this share of them failed
 * @param circuitOpenTime how long an open circuit refuses every call before it lets a few probes through
 */
public record FlowControl(int minLimit, int initialLimit, int maxLimit, double retryShare, double retryFloor,
        double retryBurst, int circuitWindow, int circuitFailurePercent, Duration circuitOpenTime) {

    /** Default share of a destination's load that failing retries may add. */
    public static final double DEFAULT_RETRY_SHARE = 0.2;

    public FlowControl {
        if (minLimit < 1 || initialLimit < minLimit || maxLimit < initialLimit) {
            throw new IllegalArgumentException("need 1 <= minLimit <= initialLimit <= maxLimit, was " + minLimit
                    + ", " + initialLimit + ", " + maxLimit);
        }
        if (!(retryShare >= 0 && retryShare <= 1)) {
            throw new IllegalArgumentException("the retry share must be between 0 and 1, was " + retryShare);
        }
        if (!(retryFloor > 0) || !(retryBurst >= 1)) {
            throw new IllegalArgumentException("the retry floor must be positive and the burst at least 1");
        }
        if (circuitFailurePercent < 1 || circuitFailurePercent > 100) {
            throw new IllegalArgumentException("the circuit's failure percentage must be between 1 and 100");
        }
        if (circuitWindow < 2 || circuitOpenTime.isNegative() || circuitOpenTime.isZero()) {
            throw new IllegalArgumentException("the circuit needs a window of 2 calls or more and a positive open time");
        }
    }

    /** The defaults for {@code maxLimit} calls in flight per destination at most. */
    public static FlowControl defaults(int maxLimit) {
        return new FlowControl(Math.min(8, maxLimit), Math.min(20, maxLimit), maxLimit, DEFAULT_RETRY_SHARE, 10,
                100, 40, 80, Duration.ofSeconds(1));
    }

    /** These settings with another retry share. */
    public FlowControl withRetryShare(double share) {
        return new FlowControl(minLimit, initialLimit, maxLimit, share, retryFloor, retryBurst, circuitWindow,
                circuitFailurePercent, circuitOpenTime);
    }
}
