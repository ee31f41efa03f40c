package dev.redsaga.client.lock;

import dev.redsaga.client.internal.LuaScript;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Scripts go by SHA, and a server that does not know one (NOSCRIPT) gets it in full once. */
class LuaScriptIT {
    private static LockRedis redis;

    @BeforeAll
    static void connect() {
        redis = new LockRedis();
    }

    @AfterAll
    static void cleanUp() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void theDigestIsRedisSha1() {
        assertThat(RedisLocks.ACQUIRE.sha1()).isEqualTo(redis.redis.digest(sourceOf(RedisLocks.ACQUIRE)));
        assertThat(RedisLocks.RELEASE.sha1()).isEqualTo(redis.redis.digest(sourceOf(RedisLocks.RELEASE)));
        assertThat(RedisLocks.RENEW.sha1()).isEqualTo(redis.redis.digest(sourceOf(RedisLocks.RENEW)));
    }

    @Test
    void anUnknownScriptIsSentOnceOnNoscriptAndThenCalledBySha() throws Exception {
        // a script no Redis has seen: unique by a comment, so no global SCRIPT FLUSH is needed
        LuaScript probe = new LuaScript("probe", "return KEYS[1] .. '=' .. ARGV[1] -- " + UUID.randomUUID());
        StatefulRedisConnection<String, String> c = redis.connect();
        String key = redis.prefix + "probe";
        assertThat(redis.redis.scriptExists(probe.sha1())).containsExactly(false);

        String first = probe.<String>run(c.async(), ScriptOutputType.VALUE, new String[] {key}, "1")
                .get(5, TimeUnit.SECONDS);
        assertThat(first).isEqualTo(key + "=1");
        assertThat(redis.redis.scriptExists(probe.sha1())).containsExactly(true);

        String second = probe.<String>run(c.async(), ScriptOutputType.VALUE, new String[] {key}, "2")
                .get(5, TimeUnit.SECONDS);
        assertThat(second).isEqualTo(key + "=2");
    }

    @Test
    void scriptErrorsOtherThanNoscriptReachTheCaller() {
        LuaScript broken = new LuaScript("broken", "return redis.call('INCR', KEYS[1]) -- " + UUID.randomUUID());
        String key = redis.prefix + "not-a-number";
        redis.redis.set(key, "abc");
        CompletableFuture<Long> reply = broken.run(redis.connect().async(), ScriptOutputType.INTEGER,
                new String[] {key});
        assertThatThrownBy(() -> reply.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasRootCauseInstanceOf(RedisCommandExecutionException.class)
                .rootCause().hasMessageContaining("not an integer");
    }

    private static String sourceOf(LuaScript script) {
        try (InputStream in = RedisLocks.class.getResourceAsStream(script.name())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
