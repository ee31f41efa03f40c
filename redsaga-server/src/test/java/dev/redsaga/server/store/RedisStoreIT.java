package dev.redsaga.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redsaga.protocol.TransStatus;
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

    /** A rare type among many: a page stops after a bounded read, shorter, with a position to go on from. */
    @Test
    void aListingByARareTypeReadsABoundedPartOfTheStorePerPage() {
        int many = RedisTransactionStore.LIST_SCAN_BUDGET + 100;
        TransactionRecord rare = record("rare", TransStatus.FAILED, null, 1);
        store.insertIfAbsent(new TransactionRecord(rare.gid(), "tcc", rare.status(), rare.definition(),
                rare.progress(), rare.version(), rare.owner(), null, 1, 1, 1L, null));
        for (int i = 0; i < many; i++) {
            store.insertIfAbsent(record("common-" + i, TransStatus.FAILED, null, 10 + i));
        }
        TransactionStore.Page first = store.list(new ListFilter(null, "tcc", null, null), null, 10);
        assertThat(first.records()).isEmpty();
        assertThat(first.nextPosition()).as("more to read").isNotNull();
        assertThat(all(new ListFilter(null, "tcc", null, null), 10)).containsExactly("rare");
    }

    /**
     * A listing reads summaries, never a definition: a search by gid prefix that matches nothing, and a page of 25,
     * over transactions of 256 KB each, read a few kilobytes from Redis (they read every candidate whole, ~98 MB for
     * 100 transactions of 1 MB, before).
     */
    @Test
    void aListingReadsSummariesOnlyWhateverTheTransactionsWeigh() {
        String payload = "x".repeat(256 * 1024);
        for (int i = 0; i < 40; i++) {
            store.insertIfAbsent(new TransactionRecord("big-" + i, "saga", TransStatus.SUBMITTED,
                    "{\"p\":\"" + payload + "\"}", "{\"q\":\"" + payload + "\"}", 1, null, 1L, 10 + i, 10 + i, null,
                    null));
        }
        RedisClient client = RedisClient.create(TestServices.REDIS_URI);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            long before = outputBytes(c);
            assertThat(store.list(new ListFilter(null, null, null, null, "zzz"), null, 25).records()).isEmpty();
            assertThat(store.list(ListFilter.ALL, null, 25).records()).hasSize(25);
            long read = outputBytes(c) - before;
            assertThat(read).as("bytes Redis sent for two listings over 20 MB of transactions").isLessThan(200_000);
        } finally {
            client.shutdown();
        }
    }

    private static long outputBytes(StatefulRedisConnection<String, String> c) {
        for (String line : c.sync().info("stats").split("\r?\n")) {
            if (line.startsWith("total_net_output_bytes:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new IllegalStateException("INFO stats has no total_net_output_bytes");
    }

    @Override
    protected void spellAsEarlierBuilds(String name, String gid) {
        RedisKeys.spellSucceededAsEarlierBuilds(TestServices.REDIS_URI, "rs-test-" + name, gid);
    }

    @Override
    protected boolean singleOrderedIndex() {
        return false;
    }

    /**
     * The retention removes a finished transaction and every index entry that pointed at it (the listing indexes
     * would otherwise grow by every saga ever run); unfinished ones stay whatever their age.
     */
    @Test
    void theRetentionRemovesFinishedTransactionsWithTheirIndexEntriesAndKeepsUnfinishedOnes() {
        RedisClient client = RedisClient.create(TestServices.REDIS_URI);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            TransactionRecord open = record("keep", TransStatus.SUBMITTED, 1L, 1);
            TransactionRecord done = record("done", TransStatus.SUBMITTED, 1L, 1);
            store.insertIfAbsent(open);
            store.insertIfAbsent(done);
            store.compareAndSet(done.next(TransStatus.SUCCEEDED, "{}", null, null, 2, null));
            store.sweep(2 + 59_000);
            assertThat(store.find("done")).as("within the retention (60 s)").isPresent();

            store.sweep(2 + 61_000);
            assertThat(store.find("done")).as("past the retention").isEmpty();
            assertThat(store.find("keep")).as("unfinished: never removed").isPresent();
            assertThat(store.list(ListFilter.ALL, null, 10).records()).extracting(TransactionSummary::gid)
                    .containsExactly("keep");
            for (String index : c.sync().keys("{rs-test-" + run + ":*")) {
                if (c.sync().type(index).equals("zset")) {
                    assertThat(c.sync().zscore(index, "done")).as(index + " still lists the removed gid").isNull();
                }
            }
        } finally {
            client.shutdown();
        }
    }

    /** A listing by status reads the transactions of that status, not every transaction in the store. */
    @Test
    void aListingByStatusReadsOnlyThatStatus() {
        for (int i = 0; i < 40; i++) {
            store.insertIfAbsent(record("ok-" + i, TransStatus.SUBMITTED, 1L, 10 + i));
        }
        TransactionRecord bad = record("bad", TransStatus.SUBMITTED, 1L, 5);
        store.insertIfAbsent(bad);
        store.compareAndSet(bad.next(TransStatus.FAILED, "{}", null, null, 6, "x"));
        RedisClient client = RedisClient.create(TestServices.REDIS_URI);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            long before = hgetallCalls(c);
            assertThat(store.list(ListFilter.status(TransStatus.FAILED), null, 10).records()).extracting(TransactionSummary::gid)
                    .containsExactly("bad");
            assertThat(hgetallCalls(c) - before).as("records read for one failed transaction").isLessThanOrEqualTo(2);
        } finally {
            client.shutdown();
        }
    }

    private static long hgetallCalls(StatefulRedisConnection<String, String> c) {
        for (String line : c.sync().info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_hgetall:calls=")) {
                return Long.parseLong(line.substring("cmdstat_hgetall:calls=".length(), line.indexOf(',')));
            }
        }
        return 0;
    }

    /**
     * After the retention the record of a finished transaction goes, but its gid is never accepted again: a new
     * saga under it would meet the old saga's barrier rows and "succeed" without effect.
     */
    @Test
    void aGidIsRefusedAfterItsFinishedRecordIsRemoved() throws Exception {
        try (TransactionStore shortLived = RedisTransactionStore.open(TestServices.REDIS_URI,
                new RedisTransactionStore.Options("rs-test-" + run + "-short", 2, Duration.ofSeconds(1)))) {
            TransactionRecord done = record("once", TransStatus.SUBMITTED, 1L, 1);
            shortLived.insertIfAbsent(done);
            shortLived.compareAndSet(done.next(TransStatus.SUCCEEDED, "{}", null, null, 2, null));
            Thread.sleep(1_500);
            shortLived.sweep(System.currentTimeMillis());
            TransactionRecord again = new TransactionRecord("once", "saga", TransStatus.SUBMITTED, "{\"other\":1}",
                    "{}", 1, null, 1L, 3, 3, null, null);
            assertThat(shortLived.insertIfAbsent(again)).as("the gid ran once already").isPresent();
            assertThat(shortLived.find("once")).as("the record itself is gone").isEmpty();
        } finally {
            RedisKeys.delete("{rs-test-" + run + "-short:*");
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
