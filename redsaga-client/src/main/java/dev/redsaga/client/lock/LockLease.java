package dev.redsaga.client.lock;

/**
 * One acquisition of a named lock: a unique owner token in Redis, a fencing token, and (unless disabled) a
 * lease that renews itself every third of the lease time until {@link #release()} or {@link #close()}.
 *
 * <p>A lease is safe to use from several threads. Its state only moves forward:
 * <em>held</em> → <em>released</em> (by {@link #release()}/{@link #close()}) or <em>held</em> → <em>lost</em>
 * (a renewal found the key gone or owned by someone else, or the lease time passed without a successful
 * renewal). Once lost or released it never becomes held again.
 *
 * <p><strong>Holding a lease does not make you the only writer.</strong> A process paused longer than the
 * lease time (GC, VM stall, swap), or a Redis failover that loses the last writes, lets another holder in
 * while this one still believes it holds the lock. Pass {@link #fencingToken()} with every write to the
 * protected resource and have the resource refuse a token lower than the highest it has seen; see
 * {@code docs/redis-lock.md}.
 */
public interface LockLease extends AutoCloseable {

    /** The lock's name, as given to {@link RedisLocks#tryAcquire(String)}. */
    String name();

    /**
     * The fencing token of this acquisition: larger than that of every earlier acquisition of the same lock
     * name (as long as the lock's counter key survives in Redis). The protected resource must reject writes
     * that carry a token lower than the highest it has accepted.
     */
    long fencingToken();

    /**
     * Whether this lease is, as far as this process can tell, still held: not released, no renewal has found
     * the lock taken, and its lease time has not run out without a successful renewal. Answered locally,
     * without a round trip. {@code false} is final; {@code true} is a belief, not a proof (see the class
     * comment), which is why the resource checks the fencing token.
     */
    boolean isHeld();

    /**
     * Extends the lease to a full lease time now, if the lock still holds this acquisition's token in Redis
     * (compare-and-pexpire). Automatic renewal makes calling this unnecessary; it is for leases created with
     * automatic renewal off.
     *
     * @return {@code true} when extended; {@code false} when the lease is released or lost (it is then marked
     *     lost and stays so)
     * @throws LockException when Redis cannot be reached or answers with an error
     */
    boolean renew();

    /**
     * Stops renewal and deletes the lock if it still holds this acquisition's token (compare-and-delete);
     * never deletes another holder's lock. Idempotent.
     *
     * @return {@code true} when this call deleted the lock, so it was ours without a break up to now;
     *     {@code false} when it was already released, or had expired or passed to another holder, in which case
     *     work done under it may have overlapped another holder's and only the fencing token protected the
     *     resource
     * @throws LockException when Redis cannot be reached or answers with an error; the lock then expires at
     *     the end of its lease
     */
    boolean release();

    /**
     * Releases the lease as {@link #release()} does, but never throws: a Redis error is reported to the
     * {@link LockListener} and the lock expires at the end of its lease.
     */
    @Override
    void close();
}
