package dev.redsaga.server.store.redis;

import dev.redsaga.server.store.StoreException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * How the Redis store talks to Redis: one command awaited within the command timeout, scripts by EVALSHA, a write
 * confirmed by {@code WAIT} when replicas must have it, and what a failure means (nothing done, or outcome unknown).
 */
final class RedisCalls {
    /**
     * Fail fast while Redis is unreachable (instead of Lettuce's default of queueing commands until reconnect):
     * a submit is then refused with 503 at once, and drives leave their work to recovery.
     */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);

    private final RedisClusterAsyncCommands<String, String> redis;
    private final String description;
    private final int waitReplicas;
    private final long waitTimeoutMs;
    private final Map<String, String> shas = new java.util.concurrent.ConcurrentHashMap<>();

    RedisCalls(RedisClusterAsyncCommands<String, String> redis, String description, int waitReplicas,
            long waitTimeoutMs) {
        this.redis = redis;
        this.description = description;
        this.waitReplicas = waitReplicas;
        this.waitTimeoutMs = waitTimeoutMs;
    }

    /**
     * EVALSHA, loading the script on NOSCRIPT (first use, restart, failover, new cluster node) and retrying once.
     * With {@code wait-replicas}, the answer comes only once that many replicas have the write.
     */
    <T> T eval(String source, ScriptOutputType type, String[] keys, List<String> args, String what) {
        String[] argv = args.toArray(String[]::new);
        String sha = shas.computeIfAbsent(source, s -> redis.digest(s));
        return call(() -> replicated(redis.<T>evalsha(sha, type, keys, argv).toCompletableFuture()
                .exceptionallyCompose(e -> unwrap(e) instanceof RedisNoScriptException
                        ? redis.<T>eval(source, type, keys, argv)
                        : CompletableFuture.failedFuture(unwrap(e))), what), what);
    }

    /**
     * {@code WAIT} after a write, on the same connection (so it counts this write): a write fewer replicas than
     * required acknowledged in time is reported with its outcome unknown — it is on the master, and may be lost
     * with it — so the coordinator does not act on it. Reads ({@link #call} alone) never wait.
     */
    private <T> CompletableFuture<T> replicated(CompletableFuture<T> write, String what) {
        if (waitReplicas == 0) {
            return write;
        }
        return write.thenCompose(result -> redis.waitForReplication(waitReplicas, waitTimeoutMs).toCompletableFuture()
                .thenApply(acked -> {
                    if (acked == null || acked < waitReplicas) {
                        throw StoreException.outcomeUnknown("store " + description + ": " + what + " reached "
                                + acked + " of " + waitReplicas + " replicas within " + waitTimeoutMs
                                + " ms (wait-replicas); it may be lost in a failover", null);
                    }
                    return result;
                }));
    }

    /**
     * Runs one command and waits for its answer. The async API, waited on here, rather than Lettuce's sync API:
     * the same wait without its reflective proxy on every call. The command timeout ends the wait; the limit
     * here is only a backstop.
     */
    <T> T call(Supplier<? extends CompletionStage<T>> op, String what) {
        try {
            return op.get().toCompletableFuture().get(COMMAND_TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw StoreException.outcomeUnknown("store " + description + " did not answer within "
                    + COMMAND_TIMEOUT.toSeconds() + " s to " + what, e);
        } catch (ExecutionException e) {
            Throwable cause = unwrap(e.getCause());
            if (cause instanceof StoreException store) {
                throw store;
            }
            throw failed(what, cause);
        } catch (RedisException | CancellationException e) {
            throw failed(what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw StoreException.outcomeUnknown("store " + description + ": interrupted while waiting to " + what, e);
        }
    }

    private StoreException failed(String what, Throwable cause) {
        String message = "store " + description + " failed to " + what + ": " + StoreException.rootMessage(cause);
        return mayHaveRun(cause) ? StoreException.outcomeUnknown(message, cause) : new StoreException(message, cause);
    }

    /**
     * Whether a command that failed with {@code e} may have run: yes unless Redis answered with an error, or the
     * command was never sent (no connection: refused at once, as the client is set up to do while disconnected).
     * A timeout or a connection lost with the command in flight leaves it unknown.
     */
    private static boolean mayHaveRun(Throwable e) {
        if (e instanceof RedisCommandExecutionException || e instanceof RedisConnectionException) {
            return false;
        }
        String m = e.getMessage();
        return m == null || !(m.startsWith("Currently not connected") || m.equals("Connection is closed"));
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    static String script(String file) {
        try (InputStream in = RedisTransactionStore.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("missing Lua script " + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
