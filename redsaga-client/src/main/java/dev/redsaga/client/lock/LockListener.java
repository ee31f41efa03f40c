package dev.redsaga.client.lock;

/**
 * Hears what happens to leases in the background. Every method has a no-op default; methods are called on
 * the renewal scheduler's or a Redis client's thread, so they must return quickly and not block.
 */
public interface LockListener {
    /** A listener that ignores everything. */
    LockListener NONE = new LockListener() {
    };

    /**
     * A held lease was found lost: a renewal found the key gone or owned by another acquisition, or the lease
     * time passed without a successful renewal. Stop working on the protected resource.
     * <p>
     * Called after the lease already reads as lost: {@link LockLease#isHeld()} turns false first, at the moment
     * the loss is known, because a holder that checks it before each write must stop at once and not wait for a
     * listener to run. Something the listener records may therefore show up a little after {@code isHeld()}
     * answers false.
     *
     * @param name the lock's name
     * @param fencingToken the lost lease's fencing token
     * @param reason why, in words, for logs
     */
    default void onLost(String name, long fencingToken, String reason) {
    }

    /**
     * A renewal or a release could not reach Redis or got an error. Renewal is tried again at the next tick
     * while the lease time lasts; a failed release leaves the lock to expire at the end of its lease.
     */
    default void onError(String name, long fencingToken, Throwable error) {
    }
}
