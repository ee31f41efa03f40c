package dev.redsaga.client.barrier;

import dev.redsaga.client.internal.LuaScript;
import dev.redsaga.protocol.Outcome;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 * <p>The records of a gid are one hash, {@code <counter key>:barrier:<gid>} (fields {@code <branch>:<op>}), and the
 * counter's gids are indexed in {@code <counter key>:barrier-gids} by when they were first seen; with a hash tag in
 * the counter key ({@code {...}}) these share its slot, and without one they are given {@code {<counter key>}} as
 * theirs, so the script runs on Redis Cluster either way. Records never expire on their own: a compensation may come
 * days later (the coordinator retries it until it succeeds), and without its action's record it would be taken for
 * an empty one. {@link BarrierRetention} deletes the records of gids the coordinator reports finished.
 */
public final class RedisBarrier {
    private static final LuaScript SCRIPT = LuaScript.fromResource(RedisBarrier.class, "counter-barrier.lua");
    private static final LuaScript GIDS_OLDER = LuaScript.fromResource(RedisBarrier.class, "barrier-gids-older.lua");
    private static final LuaScript DELETE = LuaScript.fromResource(RedisBarrier.class, "barrier-delete.lua");

    private final RedisScriptingAsyncCommands<String, String> redis;

    private RedisBarrier(RedisScriptingAsyncCommands<String, String> redis) {
        this.redis = redis;
    }

    public static RedisBarrier of(StatefulRedisConnection<String, String> connection) {
        return new RedisBarrier(connection.async());
    }

    public static RedisBarrier of(StatefulRedisClusterConnection<String, String> connection) {
        return new RedisBarrier(connection.async());
    }

    /**
     * Behind the barrier: takes {@code n} from {@code counterKey} if it holds at least {@code n}, else FAILURE.
     *
     * @throws DeadlineExceededException when {@code b}'s deadline has passed (nothing done: answer 503)
     */
    public Outcome decrementIfEnough(BranchBarrier b, String counterKey, long n) {
        return run(b, counterKey, n, "decr");
    }

    /**
     * Behind the barrier: adds {@code n} to {@code counterKey} (typically the compensation of a decrement).
     *
     * @throws DeadlineExceededException when {@code b}'s deadline has passed (nothing done: answer 503)
     */
    public Outcome increment(BranchBarrier b, String counterKey, long n) {
        return run(b, counterKey, n, "incr");
    }

    /** The hash holding the barrier records of {@code gid} on {@code counterKey} (same slot as the counter). */
    public static String barrierKey(String counterKey, String gid) {
        return base(counterKey) + ":barrier:" + gid;
    }

    /** The barrier records kept beside {@code counterKey}, for the retention. */
    public BarrierRecords records(String counterKey) {
        requireKey(counterKey);
        String index = base(counterKey) + ":barrier-gids";
        String hashPrefix = base(counterKey) + ":barrier:";
        return new BarrierRecords() {
            @Override
            public List<String> gidsOlderThan(Duration age, int limit) {
                if (limit < 1) {
                    throw new IllegalArgumentException("limit must be at least 1, was " + limit);
                }
                return await(GIDS_OLDER.<List<String>>run(redis, ScriptOutputType.MULTI, new String[] {index},
                        Long.toString(Math.max(0, age.getSeconds())), Integer.toString(limit)));
            }

            @Override
            public void delete(Collection<String> gids) {
                if (gids.isEmpty()) {
                    return;
                }
                List<String> args = new ArrayList<>(gids.size() + 1);
                args.add(hashPrefix);
                args.addAll(gids);
                await(DELETE.<Long>run(redis, ScriptOutputType.INTEGER, new String[] {index}, args.toArray(String[]::new)));
            }
        };
    }

    private Outcome run(BranchBarrier b, String counterKey, long n, String mode) {
        if (b.deadlinePassed()) {
            throw new DeadlineExceededException(b); // before the script: nothing is done
        }
        requireKey(counterKey);
        if (n <= 0) {
            throw new IllegalArgumentException("amount must be positive, was " + n);
        }
        boolean compensation = b.op().isCompensation();
        String originOp = compensation ? b.op().origin().wire() : b.op().wire();
        String[] keys = {counterKey, barrierKey(counterKey, b.gid()), base(counterKey) + ":barrier-gids"};
        String reply = await(SCRIPT.<String>run(redis, ScriptOutputType.VALUE, keys, compensation ? "1" : "0",
                b.branchId() + ":" + originOp, b.branchId() + ":" + b.op().wire(), Long.toString(n), mode,
                b.op().wire(), b.gid()));
        return "FAILURE".equals(reply) ? Outcome.FAILURE : Outcome.SUCCESS;
    }

    private static <T> T await(CompletableFuture<T> call) {
        try {
            return call.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while calling Redis", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Redis barrier script failed: " + LuaScript.unwrap(e.getCause()), e);
        }
    }

    private static void requireKey(String counterKey) {
        if (counterKey == null || counterKey.isEmpty()) {
            throw new IllegalArgumentException("counterKey is required");
        }
    }

    private static String base(String counterKey) {
        return hasHashTag(counterKey) ? counterKey : "{" + counterKey + "}";
    }

    private static boolean hasHashTag(String key) {
        // Redis hashes what lies between the first '{' and the next '}', if that is not empty
        int open = key.indexOf('{');
        int close = open < 0 ? -1 : key.indexOf('}', open + 1);
        return close > open + 1;
    }
}
