package dev.redsaga.server.http;

/**
 * Bounds the load that failing retries add to one destination: a retry spends a token, and gets it back when it is
 * answered (any answer but a timeout, a failed connection or a 5xx); every answered call earns {@code share} of a
 * token, and a {@code floor} of tokens per second comes whatever the traffic. So the retries that fail are at most
 * {@code share} of the calls the destination answers (plus the floor): retries into a service that works are never
 * throttled, retries into one that keeps failing are. A retry that finds no token is not sent: its saga waits,
 * stored, for its next due time.
 *
 * <p>Finagle's and gRPC's retry budgets, adapted: theirs are earned by first calls and drop the retries beyond
 * them, which suits optional retries. A saga's retries are not optional and, once the load has stopped, are all the
 * traffic there is — earned by first calls, the budget would starve exactly the backlog that must drain.
 */
final class RetryBudget {
    private final double share;
    private final double floorPerNano;
    private final double burst;
    private double tokens;
    private long refilledAt;

    RetryBudget(double share, double floorPerSecond, double burst, long nowNanos) {
        this.share = share;
        this.floorPerNano = floorPerSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.refilledAt = nowNanos;
    }

    /** A call was answered; {@code retry}: it was a retry, whose token comes back. */
    synchronized void answered(boolean retry) {
        tokens = Math.min(burst, tokens + share + (retry ? 1 : 0));
    }

    /** Takes a token for a retry, if there is one. */
    synchronized boolean tryRetry(long nowNanos) {
        long elapsed = Math.max(0, nowNanos - refilledAt);
        refilledAt = nowNanos;
        tokens = Math.min(burst, tokens + elapsed * floorPerNano);
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }

    /** The retry was not sent after all: its token comes back. */
    synchronized void refund() {
        tokens = Math.min(burst, tokens + 1);
    }
}
