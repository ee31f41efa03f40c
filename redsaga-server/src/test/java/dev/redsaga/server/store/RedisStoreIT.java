package dev.redsaga.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redsaga.server.config.StoreFactory;
import dev.redsaga.server.store.redis.RedisTransactionStore;
import dev.redsaga.server.testing.RedisKeys;
import dev.redsaga.client.testing.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The store contract on Redis (Lua compare-and-set, sharded due index). */
class RedisStoreIT extends TransactionStoreContract {

    @Override
    protected TransactionStore open(String name) {
        TestServices.requireRedis();
        return RedisTransactionStore.open(TestServices.REDIS_URI,
                new RedisTransactionStore.Options("rs-test-" + name, 4, Duration.ofSeconds(60)));
    }

    @Override
    protected void drop(String name) {
        RedisKeys.delete("{rs-test-" + name + ":*");
    }

    @Override
    protected boolean singleOrderedIndex() {
        return false;
    }

    @Test
    void finishedTransactionsExpireAfterTheRetentionUnfinishedOnesNever() {
        RedisClient client = RedisClient.create(TestServices.REDIS_URI);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            TransactionRecord open = record("keep", dev.redsaga.protocol.TransStatus.SUBMITTED, 1L, 1);
            TransactionRecord done = record("done", dev.redsaga.protocol.TransStatus.SUBMITTED, 1L, 1);
            store.insertIfAbsent(open);
            store.insertIfAbsent(done);
            store.compareAndSet(done.next(dev.redsaga.protocol.TransStatus.SUCCEEDED, "{}", null, null, 2, null));
            List<String> keys = c.sync().keys("{rs-test-" + run + ":*:t:*");
            assertThat(keys).hasSize(2);
            for (String k : keys) {
                long ttl = c.sync().ttl(k);
                if (k.endsWith(":t:done")) {
                    assertThat(ttl).isBetween(1L, 60L);
                } else {
                    assertThat(ttl).isEqualTo(-1L);
                }
            }
        } finally {
            client.shutdown();
        }
    }

    @Test
    void unreachableOrBadUrisFailWithAClearMessage() {
        assertThatThrownBy(() -> StoreFactory.open("redis://127.0.0.1:1"))
                .isInstanceOf(StoreException.class).hasMessageContaining("cannot connect to Redis at redis://127.0.0.1:1");
        assertThatThrownBy(() -> StoreFactory.open("mongodb://x"))
                .isInstanceOf(StoreException.class).hasMessageContaining("unknown store 'mongodb://x'");
    }
}
