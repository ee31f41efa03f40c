package dev.redsaga.client.lock;

import dev.redsaga.client.internal.LuaScript;
import io.lettuce.core.ScriptOutputType;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** The {@link LockLease} of {@link RedisLocks}: state held → released | lost, never back. */
final class RedisLockLease implements LockLease {
    private enum State { HELD, RELEASED, LOST }

    private final RedisLocks locks;
    private final String name;
    private final String key;
    private final String token;
    private final long fencingToken;
    private final AtomicReference<State> state = new AtomicReference<>(State.HELD);
    /** System.nanoTime() until which the lease is surely ours; moved forward by each successful renewal. */
    private final AtomicLong validUntilNanos;
    private final AtomicBoolean renewalInFlight = new AtomicBoolean();
    private volatile ScheduledFuture<?> renewalTask;

    RedisLockLease(RedisLocks locks, String name, String key, String token, long fencingToken,
            long validUntilNanos) {
        this.locks = locks;
        this.name = name;
        this.key = key;
        this.token = token;
        this.fencingToken = fencingToken;
        this.validUntilNanos = new AtomicLong(validUntilNanos);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long fencingToken() {
        return fencingToken;
    }

    /** The owner token stored in the lock key while this lease holds it. */
    String token() {
        return token;
    }

    @Override
    public boolean isHeld() {
        if (state.get() != State.HELD) {
            return false;
        }
        if (System.nanoTime() - validUntilNanos.get() >= 0) {
            markLost("the lease time ran out without a successful renewal");
            return false;
        }
        return true;
    }

    @Override
    public boolean renew() {
        if (!isHeld()) {
            return false;
        }
        long sentAt = System.nanoTime();
        Long extended;
        try {
            extended = locks.run("renewing lock '" + name + "'", RedisLocks.RENEW, ScriptOutputType.INTEGER,
                    new String[] {key}, token, Long.toString(locks.leaseMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LockException("interrupted while renewing lock '" + name + "'", e);
        }
        return renewed(extended, sentAt) && state.get() == State.HELD;
    }

    @Override
    public boolean release() {
        State before = state.getAndSet(State.RELEASED);
        if (before == State.RELEASED) {
            return false;
        }
        stopRenewal();
        locks.forget(this);
        // Also when already lost: if the key still holds our token, deleting it frees the lock sooner.
        Long deleted;
        try {
            deleted = locks.run("releasing lock '" + name + "'", RedisLocks.RELEASE, ScriptOutputType.INTEGER,
                    new String[] {key}, token);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LockException("interrupted while releasing lock '" + name + "'; it expires at the end of "
                    + "its lease", e);
        }
        return deleted != null && deleted == 1L;
    }

    @Override
    public void close() {
        try {
            release();
        } catch (RuntimeException e) {
            RedisLocks.log().log(System.Logger.Level.WARNING, "could not release lock '" + name + "' (fencing token "
                    + fencingToken + "); it expires at the end of its lease", e);
            RedisLocks.report(() -> locks.listener().onError(name, fencingToken, e));
        }
    }

    @Override
    public String toString() {
        return "LockLease[" + name + ", fencingToken=" + fencingToken + ", " + state.get() + "]";
    }

    // ---- renewal ----

    void startRenewal(ScheduledFuture<?> task) {
        renewalTask = task;
        if (state.get() != State.HELD) {
            task.cancel(false);
        }
    }

    /** One tick of automatic renewal; runs on the scheduler, must not block and must not throw. */
    void renewTick() {
        try {
            if (!isHeld()) {
                stopRenewal();
                return;
            }
            if (!renewalInFlight.compareAndSet(false, true)) {
                return; // the previous renewal has not answered yet
            }
            long sentAt = System.nanoTime();
            CompletableFuture<Long> reply;
            try {
                reply = locks.<Long>runAsync(RedisLocks.RENEW, ScriptOutputType.INTEGER, new String[] {key}, token,
                        Long.toString(locks.leaseMillis())).orTimeout(locks.leaseMillis(), TimeUnit.MILLISECONDS);
            } catch (RuntimeException e) {
                renewalInFlight.set(false);
                throw e;
            }
            reply.whenComplete((extended, error) -> {
                renewalInFlight.set(false);
                if (error != null) {
                    renewalFailed(LuaScript.unwrap(error));
                } else {
                    renewed(extended, sentAt);
                }
            });
        } catch (RuntimeException e) {
            renewalFailed(e);
        }
    }

    private boolean renewed(Long extended, long sentAt) {
        if (extended != null && extended == 1L) {
            long until = sentAt + locks.validityNanos();
            validUntilNanos.accumulateAndGet(until, (a, b) -> b - a > 0 ? b : a);
            return true;
        }
        markLost("renewal found the lock expired or held by another owner");
        return false;
    }

    private void renewalFailed(Throwable error) {
        if (state.get() != State.HELD) {
            return;
        }
        RedisLocks.log().log(System.Logger.Level.WARNING, "renewing lock '" + name + "' (fencing token "
                + fencingToken + ") failed; trying again at the next tick while the lease lasts", error);
        RedisLocks.report(() -> locks.listener().onError(name, fencingToken, error));
    }

    private void markLost(String reason) {
        if (state.compareAndSet(State.HELD, State.LOST)) {
            stopRenewal();
            locks.forget(this);
            RedisLocks.log().log(System.Logger.Level.WARNING, "lock '" + name + "' (fencing token " + fencingToken
                    + ") lost: " + reason);
            RedisLocks.report(() -> locks.listener().onLost(name, fencingToken, reason));
        }
    }

    private void stopRenewal() {
        ScheduledFuture<?> task = renewalTask;
        if (task != null) {
            task.cancel(false);
        }
    }
}
