package dev.redsaga.example.orderstock;

import java.util.SplittableRandom;

/**
 * The faults a demo service injects, each a rate in [0,1], drawn per incoming branch request:
 * <ul>
 *   <li>fail: answer FAILURE (actions only; half of the time) or 500, without doing anything;</li>
 *   <li>timeout: do the work and commit, but answer only after the coordinator's request timeout;</li>
 *   <li>hang: answer 500 at once and do the work late — after the coordinator retried, and for an aborted saga
 *       after the compensation (the "hanging action" the barrier must refuse);</li>
 *   <li>duplicate: the request is delivered twice (two concurrent executions).</li>
 * </ul>
 * And two that apply to every request: {@code slowMs}, extra service time holding one of the service's database
 * connections (a slow service), and {@code naive}, a service that neither looks at the coordinator's deadline nor
 * bounds its queue (it works on requests whose caller gave up long ago). For 2-phase messages, {@code dropSubmit}:
 * the sender "dies" after its local transaction committed and before its submit, leaving the message to the
 * coordinator's back-check.
 */
public final class Faults {
    public enum Kind { NONE, FAIL_FAILURE, FAIL_ERROR, TIMEOUT, HANG, DUPLICATE }

    private final double fail;
    private final double timeout;
    private final double hang;
    private final double duplicate;
    private final SplittableRandom random;
    private final long seed;
    private final long slowMs;
    private final boolean naive;
    private final double dropSubmit;

    public Faults(double fail, double timeout, double hang, double duplicate, long seed) {
        this(fail, timeout, hang, duplicate, seed, 0, false, 0);
    }

    private Faults(double fail, double timeout, double hang, double duplicate, long seed, long slowMs, boolean naive,
            double dropSubmit) {
        this.fail = rate(fail, "--fail-rate");
        this.timeout = rate(timeout, "--timeout-rate");
        this.hang = rate(hang, "--hang-rate");
        this.duplicate = rate(duplicate, "--duplicate-rate");
        if (fail + timeout + hang + duplicate > 1.0) {
            throw new IllegalArgumentException("the fault rates add up to more than 1; lower some of them");
        }
        if (slowMs < 0 || slowMs > 60_000) {
            throw new IllegalArgumentException("--slow-ms must be between 0 and 60000, was " + slowMs);
        }
        this.random = new SplittableRandom(seed);
        this.seed = seed;
        this.slowMs = slowMs;
        this.naive = naive;
        this.dropSubmit = rate(dropSubmit, "--drop-submit-rate");
    }

    /** These faults in a service that takes {@code ms} more per request and, if {@code naive}, never sheds. */
    public Faults withService(long ms, boolean naive) {
        return new Faults(fail, timeout, hang, duplicate, seed, ms, naive, dropSubmit);
    }

    /** These faults, and a message's submit dropped at {@code rate} (its sender dies after committing). */
    public Faults withDroppedSubmits(double rate) {
        return new Faults(fail, timeout, hang, duplicate, seed, slowMs, naive, rate);
    }

    /** Whether the next message's submit is dropped. */
    public synchronized boolean dropSubmit() {
        return dropSubmit > 0 && random.nextDouble() < dropSubmit;
    }

    public long slowMs() {
        return slowMs;
    }

    public boolean naive() {
        return naive;
    }

    public static Faults none() {
        return new Faults(0, 0, 0, 0, 0);
    }

    public boolean any() {
        return fail + timeout + hang + duplicate + dropSubmit > 0;
    }

    /** The fault for the next request; {@code compensation} requests never answer FAILURE (it means nothing there). */
    public synchronized Kind next(boolean compensation) {
        double r = random.nextDouble();
        if (r < fail) {
            return !compensation && random.nextBoolean() ? Kind.FAIL_FAILURE : Kind.FAIL_ERROR;
        }
        r -= fail;
        if (r < timeout) {
            return Kind.TIMEOUT;
        }
        r -= timeout;
        if (r < hang && !compensation) {
            return Kind.HANG;
        }
        r -= hang;
        if (r < duplicate) {
            return Kind.DUPLICATE;
        }
        return Kind.NONE;
    }

    private static double rate(double v, String name) {
        if (Double.isNaN(v) || v < 0 || v > 1) {
            throw new IllegalArgumentException(name + " must be between 0 and 1, was " + v);
        }
        return v;
    }

    @Override
    public String toString() {
        return "fail=" + fail + " timeout=" + timeout + " hang=" + hang + " duplicate=" + duplicate
                + (dropSubmit > 0 ? " drop-submit=" + dropSubmit : "")
                + (slowMs > 0 ? " slow=" + slowMs + "ms" : "") + (naive ? " naive (no shedding)" : "");
    }
}
