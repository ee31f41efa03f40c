package dev.redsaga.server.engine;

import java.util.random.RandomGenerator;

/**
 * Capped exponential backoff with "equal jitter": the n-th retry waits between half and all of
 * {@code min(cap, base * 2^(n-1))}. The jitter spreads retries of many sagas hitting one failed service; the
 * cap keeps a recovered service from waiting hours (DTM's backoff is uncapped).
 */
public final class Backoff {
    private final long capMs;
    private final RandomGenerator random;

    public Backoff(long capMs, RandomGenerator random) {
        this.capMs = capMs;
        this.random = random;
    }

    /** Delay before retry number {@code attempt} (1 = the first retry). */
    public long delay(long baseMs, int attempt) {
        int shift = Math.min(Math.max(attempt - 1, 0), 30);
        long exp = Math.min(capMs, baseMs << shift);
        if (exp <= 0) {
            exp = capMs;
        }
        long half = exp / 2;
        return half + (half > 0 ? random.nextLong(half + 1) : 0);
    }
}
