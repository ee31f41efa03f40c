package dev.redsaga.client.barrier;

import dev.redsaga.client.internal.LuaScript;
import dev.redsaga.protocol.Outcome;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.concurrent.ExecutionException;

/**
 * The sub-transaction barrier for a business effect kept in Redis — a counter such as a stock level: the
 * barrier checks and the counter change run in one Lua script, so they are atomic, as the SQL barrier's rows and
 * the business change share one local transaction.
 *
 * <pre>{@code
 * RedisBarrier barrier = RedisBarrier.of(connection);
 * // POST /stock/deduct?gid=..&op=action      → 200, or 409 when short
 * Outcome o = barrier.decrementIfEnough(BranchBarrier.from(query), "stock:{sku-42}", 1);
 * // POST /stock/restore?gid=..&op=compensate
 * Outcome o = barrier.increment(BranchBarrier.from(query), "stock:{sku-42}", 1);
 * }</pre>
 *
 * <p>Barrier keys are {@code <counter key>:barrier:<gid>:<branch>:<op>} when the counter key has a hash tag
 * ({@code {...}}), and {@code {<counter key>}:barrier:...} otherwise: either way they hash to the counter's slot,
 * so the script runs on Redis Cluster. They expire after {@code keyTtl} (default 7 days): a request arriving
 * later than that for the same branch is no longer recognised.
 */
public final class RedisBarrier {
    public static final Duration DEFAULT_KEY_TTL = Duration.ofDays(7);
    private static final LuaScript SCRIPT = LuaScript.fromResource(RedisBarrier.class, "counter-barrier.lua");

    private final RedisScriptingAsyncCommands<String, String> redis;
    private final long keyTtlSeconds;

    private RedisBarrier(RedisScriptingAsyncCommands<String, String> redis, Duration keyTtl) {
        if (keyTtl == null || keyTtl.getSeconds() < 1) {
            throw new IllegalArgumentException("keyTtl must be at least one second, was " + keyTtl);
        }
        this.redis = redis;
        this.keyTtlSeconds = keyTtl.getSeconds();
    }

    public static RedisBarrier of(StatefulRedisConnection<String, String> connection) {
        return new RedisBarrier(connection.async(), DEFAULT_KEY_TTL);
    }

    public static RedisBarrier of(StatefulRedisClusterConnection<String, String> connection) {
        return new RedisBarrier(connection.async(), DEFAULT_KEY_TTL);
    }

    public static RedisBarrier of(StatefulRedisConnection<String, String> connection, Duration keyTtl) {
        return new RedisBarrier(connection.async(), keyTtl);
    }

    /** Behind the barrier: takes {@code n} from {@code counterKey} if it holds at least {@code n}, else FAILURE. */
    public Outcome decrementIfEnough(BranchBarrier b, String counterKey, long n) {
        return run(b, counterKey, n, "decr");
    }

    /** Behind the barrier: adds {@code n} to {@code counterKey} (typically the compensation of a decrement). */
    public Outcome increment(BranchBarrier b, String counterKey, long n) {
        return run(b, counterKey, n, "incr");
    }

    /** The barrier key of {@code op} for branch {@code b} on {@code counterKey} (same slot as the counter). */
    public static String barrierKey(String counterKey, BranchBarrier b, String op) {
        String base = hasHashTag(counterKey) ? counterKey : "{" + counterKey + "}";
        return base + ":barrier:" + b.gid() + ":" + b.branchId() + ":" + op;
    }

    private Outcome run(BranchBarrier b, String counterKey, long n, String mode) {
        if (counterKey == null || counterKey.isEmpty()) {
            throw new IllegalArgumentException("counterKey is required");
        }
        if (n <= 0) {
            throw new IllegalArgumentException("amount must be positive, was " + n);
        }
        boolean compensation = b.op().isCompensation();
        String originOp = compensation ? b.op().origin().wire() : b.op().wire();
        String[] keys = {counterKey, barrierKey(counterKey, b, originOp), barrierKey(counterKey, b, b.op().wire())};
        String reply;
        try {
            reply = SCRIPT.<String>run(redis, ScriptOutputType.VALUE, keys, compensation ? "1" : "0",
                    Long.toString(keyTtlSeconds), Long.toString(n), mode, b.op().wire()).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while calling Redis", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Redis barrier script failed: " + LuaScript.unwrap(e.getCause()), e);
        }
        return "FAILURE".equals(reply) ? Outcome.FAILURE : Outcome.SUCCESS;
    }

    private static boolean hasHashTag(String key) {
        // Redis hashes what lies between the first '{' and the next '}', if that is not empty
        int open = key.indexOf('{');
        int close = open < 0 ? -1 : key.indexOf('}', open + 1);
        return close > open + 1;
    }
}
