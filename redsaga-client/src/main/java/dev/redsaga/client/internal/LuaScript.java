package dev.redsaga.client.internal;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * A Lua script called by its SHA-1 ({@code EVALSHA}). The digest is computed here, once; a server that does
 * not know the script yet (first use, restart, {@code SCRIPT FLUSH}, a new cluster node) answers
 * {@code NOSCRIPT}, and the call is repeated once as {@code EVAL} with the source, which runs it and caches
 * it on exactly the node that owns the key, so the following calls go by SHA again.
 */
public final class LuaScript {

    private final String name;
    private final String source;
    private final String sha1;

    public LuaScript(String name, String source) {
        this.name = name;
        this.source = source;
        this.sha1 = sha1Hex(source);
    }

    public String name() {
        return name;
    }

    public String sha1() {
        return sha1;
    }

    /** Runs the script by SHA, falling back to {@code EVAL} once on {@code NOSCRIPT}. */
    public <T> CompletableFuture<T> run(RedisScriptingAsyncCommands<String, String> redis, ScriptOutputType type,
            String[] keys, String... args) {
        CompletionStage<T> bySha = redis.evalsha(sha1, type, keys, args);
        return bySha.toCompletableFuture()
                .thenApply(r -> r) // a stage of our own: never complete Lettuce's command future from outside
                .exceptionallyCompose(e -> unwrap(e) instanceof RedisNoScriptException
                        ? redis.<T>eval(source, type, keys, args)
                        : CompletableFuture.failedFuture(unwrap(e)));
    }

    public static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    /** The script in resource {@code file} next to {@code anchor}. */
    public static LuaScript fromResource(Class<?> anchor, String file) {
        try (InputStream in = anchor.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("Lua script " + file + " is missing from the classpath next to "
                        + anchor.getName());
            }
            return new LuaScript(file, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Lua script " + file, e);
        }
    }

    private static String sha1Hex(String source) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder(40);
            for (byte b : digest) {
                hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every Java platform", e);
        }
    }
}
