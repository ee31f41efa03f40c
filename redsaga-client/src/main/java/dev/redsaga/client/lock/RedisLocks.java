package dev.redsaga.client.lock;

import dev.redsaga.client.internal.LuaScript;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named Redis locks with owner tokens, self-renewing leases and fencing tokens.
 *
 * <pre>{@code
 * RedisLocks locks = RedisLocks.builder(connection).leaseTime(Duration.ofSeconds(10)).build();
 * try (LockLease lease = locks.acquire("stock:42", Duration.ofSeconds(2))) {
 *     // every write to the protected resource carries lease.fencingToken(), and the resource refuses a
 *     // token lower than the highest it has seen
 *     stock.decrement(42, lease.fencingToken());
 * }
 * }</pre>
 *
 * <h2>How it works</h2>
 * <ul>
 *   <li>Each acquisition draws a fresh random token and runs one Lua script: if the lock key is free, it
 *       {@code INCR}s the lock's fence counter and sets the key to the token with a lease time
 *       ({@code PX}). The counter value is the lease's fencing token, so every holder gets a larger token than
 *       all before it. The lock key {@code <prefix>{<name>}} and the counter {@code <prefix>{<name>}:fence}
 *       share a hash tag and so a Redis Cluster slot.</li>
 *   <li>Release and renewal are Lua compare-and-delete and compare-and-pexpire on the token: a holder whose
 *       lease ran out can never delete or extend the next holder's lock.</li>
 *   <li>Unless turned off, a lease renews itself every third of the lease time on a scheduler; a renewal that
 *       finds the key gone or someone else's marks the lease lost. A lease whose lease time passes without a
 *       successful renewal is lost too, judged on this process's monotonic clock.</li>
 *   <li>Waiting for a taken lock retries with jittered exponential backoff (2 ms doubling up to 50 ms, never
 *       beyond the holder's remaining lease). There is no queue: waiting is not fair.</li>
 *   <li>Scripts are called by SHA and sent in full once when Redis answers {@code NOSCRIPT}.</li>
 * </ul>
 *
 * <h2>What it guarantees, and what it does not</h2>
 * A Redis lock is an efficiency device, not a correctness device. While Redis keeps its data and every
 * holder's process runs on time, at most one lease of a name is held at once, and fencing tokens grow with
 * every acquisition. It does <strong>not</strong> guarantee mutual exclusion when a holder stalls longer than
 * its lease (GC pause, VM freeze, a slow network to Redis during renewal), or when Redis loses writes
 * (a failover to a replica that had not yet received the {@code SET}, a restart without persistence): then two
 * processes can both believe they hold the lock. The fencing token is what keeps the resource correct: pass
 * it with every write and have the resource reject a token lower than the highest it has accepted, in the same
 * statement or script that writes. A lost fence counter key (failover, restart without persistence, eviction
 * under an {@code allkeys-*} policy) can make tokens repeat. See {@code docs/redis-lock.md}.
 *
 * <p>Instances are thread-safe. The connection is the caller's and is not closed by {@link #close()}.
 */
public final class RedisLocks implements AutoCloseable {
    static final LuaScript ACQUIRE = LuaScript.fromResource(RedisLocks.class, "acquire.lua");
    static final LuaScript RELEASE = LuaScript.fromResource(RedisLocks.class, "release.lua");
    static final LuaScript RENEW = LuaScript.fromResource(RedisLocks.class, "renew.lua");

    /** The lease time unless {@link Builder#leaseTime(Duration)} says otherwise. */
    public static final Duration DEFAULT_LEASE_TIME = Duration.ofSeconds(10);
    /** The shortest lease time accepted: renewal runs every third of it. */
    public static final Duration MIN_LEASE_TIME = Duration.ofMillis(100);
    /** The key prefix unless {@link Builder#keyPrefix(String)} says otherwise. */
    public static final String DEFAULT_KEY_PREFIX = "redsaga:lock:";

    static final long FIRST_RETRY_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    static final long MAX_RETRY_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private static final System.Logger LOG = System.getLogger(RedisLocks.class.getName());
    private static final AtomicInteger SCHEDULER_COUNT = new AtomicInteger();

    private final RedisScriptingAsyncCommands<String, String> redis;
    private final Duration commandTimeout;
    private final String keyPrefix;
    private final Duration leaseTime;
    private final boolean autoRenew;
    private final ScheduledExecutorService scheduler;
    private final boolean ownsScheduler;
    private final LockListener listener;
    private final Set<RedisLockLease> held = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private RedisLocks(Builder b) {
        this.redis = b.redis;
        this.commandTimeout = b.commandTimeout;
        this.keyPrefix = b.keyPrefix;
        this.leaseTime = b.leaseTime;
        this.autoRenew = b.autoRenew;
        this.listener = b.listener;
        if (!autoRenew) {
            this.scheduler = null;
            this.ownsScheduler = false;
        } else if (b.scheduler != null) {
            this.scheduler = b.scheduler;
            this.ownsScheduler = false;
        } else {
            ScheduledThreadPoolExecutor own = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "redsaga-lock-renewal-" + SCHEDULER_COUNT.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            own.setRemoveOnCancelPolicy(true);
            this.scheduler = own;
            this.ownsScheduler = true;
        }
    }

    /** Locks on a standalone, Sentinel-managed or master/replica Redis, through the caller's connection. */
    public static Builder builder(StatefulRedisConnection<String, String> connection) {
        if (connection == null) {
            throw new IllegalArgumentException("connection is required: pass an open Lettuce connection, e.g. "
                    + "RedisClient.create(\"redis://host:6379\").connect()");
        }
        return new Builder(connection.async(), connection.getTimeout());
    }

    /** Locks on Redis Cluster, through the caller's connection. */
    public static Builder builder(StatefulRedisClusterConnection<String, String> connection) {
        if (connection == null) {
            throw new IllegalArgumentException("connection is required: pass an open Lettuce cluster connection, "
                    + "e.g. RedisClusterClient.create(\"redis://host:7000\").connect()");
        }
        return new Builder(connection.async(), connection.getTimeout());
    }

    /**
     * Takes the lock if it is free right now; one round trip, no waiting.
     *
     * @param name the lock's name: not blank, without '{' or '}'
     * @return the lease, or empty when another owner holds the lock
     * @throws IllegalArgumentException when the name is not acceptable
     * @throws LockException when Redis cannot be reached, answers with an error, or the thread is interrupted
     *     while waiting for the answer (the interrupt flag is then set again)
     */
    public Optional<LockLease> tryAcquire(String name) {
        checkName(name);
        checkOpen();
        try {
            return Optional.ofNullable(attempt(name).lease);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LockException("interrupted while acquiring lock '" + name + "'", e);
        }
    }

    /**
     * Takes the lock, waiting up to {@code waitTimeout} for it to become free.
     *
     * @param name the lock's name: not blank, without '{' or '}'
     * @param waitTimeout how long to keep trying; zero means one attempt
     * @return the lease, or empty when the lock was still taken when the wait timeout ran out
     * @throws IllegalArgumentException when the name or the wait timeout is not acceptable
     * @throws InterruptedException when the thread is interrupted while waiting
     * @throws LockException when Redis cannot be reached or answers with an error
     */
    public Optional<LockLease> tryAcquire(String name, Duration waitTimeout) throws InterruptedException {
        checkName(name);
        checkWaitTimeout(waitTimeout);
        checkOpen();
        long deadline = System.nanoTime() + saturatedNanos(waitTimeout);
        long delay = FIRST_RETRY_DELAY_NANOS;
        while (true) {
            Attempt attempt = attempt(name);
            if (attempt.lease != null) {
                return Optional.of(attempt.lease);
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return Optional.empty();
            }
            long sleep = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
            if (attempt.holderRemainingMillis > 0) {
                sleep = Math.min(sleep, TimeUnit.MILLISECONDS.toNanos(attempt.holderRemainingMillis));
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(sleep, remaining));
            delay = Math.min(delay * 2, MAX_RETRY_DELAY_NANOS);
            checkOpen();
        }
    }

    /**
     * Takes the lock, waiting up to {@code waitTimeout}; for try-with-resources.
     *
     * @throws LockTimeoutException when the lock was still taken when the wait timeout ran out
     * @throws IllegalArgumentException when the name or the wait timeout is not acceptable
     * @throws InterruptedException when the thread is interrupted while waiting
     * @throws LockException when Redis cannot be reached or answers with an error
     */
    public LockLease acquire(String name, Duration waitTimeout) throws InterruptedException {
        return tryAcquire(name, waitTimeout).orElseThrow(() -> new LockTimeoutException(name, waitTimeout));
    }

    /** The lease time each acquisition gets, and each renewal restores. */
    public Duration leaseTime() {
        return leaseTime;
    }

    /**
     * Releases every lease still held (best effort: a Redis error leaves that lock to expire) and stops the
     * renewal scheduler if this instance created it. The Redis connection is left open; it is the caller's.
     * Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (RedisLockLease lease : held) {
            lease.close();
        }
        if (ownsScheduler) {
            scheduler.shutdownNow();
        }
    }

    // ---- package-private: used by RedisLockLease and the tests ----

    String lockKey(String name) {
        return keyPrefix + "{" + name + "}";
    }

    String fenceKey(String name) {
        return lockKey(name) + ":fence";
    }

    long leaseMillis() {
        return leaseTime.toMillis();
    }

    /** How long after sending a successful acquire or renew the lease is still surely ours. */
    long validityNanos() {
        long lease = leaseTime.toNanos();
        // leave room for this machine's clock running slower than Redis's, as Redlock does
        return lease - lease / 100 - TimeUnit.MILLISECONDS.toNanos(2);
    }

    LockListener listener() {
        return listener;
    }

    <T> CompletableFuture<T> runAsync(LuaScript script, ScriptOutputType type, String[] keys, String... args) {
        return script.run(redis, type, keys, args);
    }

    /** Runs a script and waits for the answer for at most the connection's command timeout. */
    <T> T run(String what, LuaScript script, ScriptOutputType type, String[] keys, String... args)
            throws InterruptedException {
        CompletableFuture<T> reply = runAsync(script, type, keys, args);
        try {
            return reply.get(commandTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = LuaScript.unwrap(e.getCause());
            throw new LockException(what + " failed: " + cause, cause);
        } catch (TimeoutException e) {
            reply.cancel(false);
            throw new LockException(what + " got no answer from Redis within " + commandTimeout.toMillis() + " ms",
                    e);
        }
    }

    void forget(RedisLockLease lease) {
        held.remove(lease);
    }

    static void report(Runnable listenerCall) {
        try {
            listenerCall.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "LockListener threw; ignored", e);
        }
    }

    static System.Logger log() {
        return LOG;
    }

    // ---- internals ----

    private static final class Attempt {
        final RedisLockLease lease;
        final long holderRemainingMillis;

        Attempt(RedisLockLease lease, long holderRemainingMillis) {
            this.lease = lease;
            this.holderRemainingMillis = holderRemainingMillis;
        }
    }

    private Attempt attempt(String name) throws InterruptedException {
        String key = lockKey(name);
        String token = UUID.randomUUID().toString();
        long sentAt = System.nanoTime();
        List<Object> reply;
        try {
            reply = run("acquiring lock '" + name + "'", RedisLocks.ACQUIRE, ScriptOutputType.MULTI,
                    new String[] {key, fenceKey(name)}, token, Long.toString(leaseMillis()));
        } catch (InterruptedException | RuntimeException e) {
            // The SET may have happened without us hearing of it: undo it, or it blocks others for a lease time.
            // Sent on the same connection after the acquire, so Redis runs it after the acquire.
            try {
                runAsync(RedisLocks.RELEASE, ScriptOutputType.INTEGER, new String[] {key}, token);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        long fence = (Long) reply.get(0);
        if (fence <= 0) {
            return new Attempt(null, (Long) reply.get(1));
        }
        RedisLockLease lease = new RedisLockLease(this, name, key, token, fence, sentAt + validityNanos());
        held.add(lease);
        if (closed) {
            lease.close();
            throw new IllegalStateException("RedisLocks was closed while acquiring lock '" + name + "'");
        }
        if (autoRenew) {
            long period = leaseTime.toNanos() / 3;
            try {
                lease.startRenewal(scheduler.scheduleWithFixedDelay(lease::renewTick, period, period,
                        TimeUnit.NANOSECONDS));
            } catch (RejectedExecutionException e) {
                lease.close();
                throw new IllegalStateException("the renewal scheduler refused lock '" + name + "' (shut down?); "
                        + "the lock was released again", e);
            }
        }
        return new Attempt(lease, 0);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("RedisLocks is closed");
        }
    }

    private static void checkName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("lock name is required and must not be blank, got "
                    + (name == null ? "null" : "'" + name + "'"));
        }
        if (name.indexOf('{') >= 0 || name.indexOf('}') >= 0) {
            throw new IllegalArgumentException("lock name must not contain '{' or '}' (the lock wraps the name in "
                    + "its own Redis Cluster hash tag), got '" + name + "'");
        }
    }

    private static void checkWaitTimeout(Duration waitTimeout) {
        if (waitTimeout == null || waitTimeout.isNegative()) {
            throw new IllegalArgumentException("waitTimeout must be zero (one attempt) or positive, got "
                    + waitTimeout);
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 2;
        }
    }

    /** Builds {@link RedisLocks}; every setter rejects bad input at once. */
    public static final class Builder {
        private final RedisScriptingAsyncCommands<String, String> redis;
        private final Duration commandTimeout;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private Duration leaseTime = DEFAULT_LEASE_TIME;
        private boolean autoRenew = true;
        private ScheduledExecutorService scheduler;
        private LockListener listener = LockListener.NONE;

        Builder(RedisScriptingAsyncCommands<String, String> redis, Duration commandTimeout) {
            this.redis = redis;
            this.commandTimeout = commandTimeout;
        }

        /**
         * Prefix of every key this instance writes (default {@value RedisLocks#DEFAULT_KEY_PREFIX}); may be empty. The lock
         * {@code name} is stored under {@code <prefix>{<name>}}, its fence counter under
         * {@code <prefix>{<name>}:fence}.
         */
        public Builder keyPrefix(String keyPrefix) {
            if (keyPrefix == null) {
                throw new IllegalArgumentException("keyPrefix must not be null; use \"\" for no prefix");
            }
            if (keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
                throw new IllegalArgumentException("keyPrefix must not contain '{' or '}' (the lock adds its own "
                        + "Redis Cluster hash tag around the name), got '" + keyPrefix + "'");
            }
            this.keyPrefix = keyPrefix;
            return this;
        }

        /**
         * How long a lease lasts without renewal (default 10 s, at least 100 ms, whole milliseconds). With
         * automatic renewal it bounds how long a crashed holder blocks others; without, it bounds the critical
         * section.
         */
        public Builder leaseTime(Duration leaseTime) {
            if (leaseTime == null || leaseTime.compareTo(MIN_LEASE_TIME) < 0) {
                throw new IllegalArgumentException("leaseTime must be at least " + MIN_LEASE_TIME.toMillis()
                        + " ms (renewal runs every third of it), got " + leaseTime);
            }
            if (leaseTime.compareTo(Duration.ofDays(365)) > 0) {
                throw new IllegalArgumentException("leaseTime must be at most 365 days, got " + leaseTime);
            }
            if (leaseTime.toNanos() % 1_000_000 != 0) {
                throw new IllegalArgumentException("leaseTime must be whole milliseconds (Redis PX), got "
                        + leaseTime);
            }
            this.leaseTime = leaseTime;
            return this;
        }

        /**
         * Whether leases renew themselves every third of the lease time until released (default {@code true}).
         * Turned off, a lease simply expires after its lease time unless {@link LockLease#renew()} is called.
         */
        public Builder autoRenew(boolean autoRenew) {
            this.autoRenew = autoRenew;
            return this;
        }

        /**
         * A scheduler to run renewals on, shared with the caller, who also shuts it down. Renewal tasks never
         * block it (they only send asynchronous commands). By default each {@link RedisLocks} starts one daemon
         * thread of its own and stops it on {@link RedisLocks#close()}.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            if (scheduler == null) {
                throw new IllegalArgumentException("scheduler must not be null; leave it unset for an own one");
            }
            this.scheduler = scheduler;
            return this;
        }

        /** Hears lost leases and background errors (default: none; they are also logged). */
        public Builder listener(LockListener listener) {
            if (listener == null) {
                throw new IllegalArgumentException("listener must not be null; use LockListener.NONE");
            }
            this.listener = listener;
            return this;
        }

        public RedisLocks build() {
            return new RedisLocks(this);
        }
    }
}
