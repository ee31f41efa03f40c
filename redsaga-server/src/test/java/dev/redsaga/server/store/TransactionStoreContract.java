package dev.redsaga.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.protocol.TransStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link TransactionStore} contract, run against every store: atomic insert-if-absent, compare-and-set on the
 * version (a stale writer is refused), due claims never handed to two owners, most overdue first, terminal
 * transactions never claimed, paging that covers every record once; key-value pairs written by compare-and-set on
 * their version and scanned in key order, page by page.
 */
public abstract class TransactionStoreContract {
    /** Every store under test keeps finished transactions whole this long. */
    protected static final Duration RETENTION = Duration.ofSeconds(60);
    protected TransactionStore store;
    protected String run;

    /** A fresh, empty store of the kind under test, with a {@link #RETENTION}; {@code name} is unique per test. */
    protected abstract TransactionStore open(String name);

    /** Drops what {@link #open} created. */
    protected abstract void drop(String name);

    /**
     * Rewrites the stored transaction {@code gid}, which has succeeded, as an earlier build wrote it: status spelled
     * {@code succeeded} (DTM spells it {@code succeed}), in the record and in any index by status.
     */
    protected abstract void spellAsEarlierBuilds(String name, String gid);

    /** {@link #spellAsEarlierBuilds} for a SQL store whose table is {@code t_<name>} in the database at {@code url}. */
    protected static void spellAsEarlierBuilds(String url, String name, String gid) {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url);
                java.sql.PreparedStatement ps = c.prepareStatement("UPDATE t_" + name
                        + " SET status = 'succeeded' WHERE gid = ?")) {
            ps.setString(1, gid);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void openStore() {
        run = "c" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 24, 36);
        store = open(run);
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
            drop(run);
        }
    }

    protected TransactionRecord record(String gid, TransStatus status, Long due, long created) {
        return new TransactionRecord(gid, "saga", status, "{\"gid\":\"" + gid + "\"}", "{}", 1, null, due, created,
                created, status.isTerminal() ? created : null, null);
    }

    /** A store written by an earlier build reads the same once reopened, and lists its successes as DTM spells them. */
    @Test
    void successSpelledAsEarlierBuildsDidIsRewrittenWhenTheStoreOpens() {
        TransactionRecord done = record("old-1", TransStatus.SUCCEEDED, null, 1_000);
        TransactionRecord failed = record("old-2", TransStatus.FAILED, null, 1_001);
        store.insertIfAbsent(done);
        store.insertIfAbsent(failed);
        store.close();
        spellAsEarlierBuilds(run, "old-1");

        store = open(run);

        assertThat(store.find("old-1")).contains(done);
        assertThat(store.list(ListFilter.status(TransStatus.SUCCEEDED), null, 10).records()).containsExactly(TransactionSummary.of(done));
        assertThat(store.list(ListFilter.status(TransStatus.FAILED), null, 10).records()).containsExactly(TransactionSummary.of(failed));
        assertThat(store.list(ListFilter.ALL, null, 10).records())
                .containsExactlyInAnyOrder(TransactionSummary.of(done), TransactionSummary.of(failed));
        assertThat(store.claimDue(Long.MAX_VALUE / 2, "me", Long.MAX_VALUE / 2, 10)).isEmpty();
    }

    /**
     * A listing returns summaries: every field but the definition and the progress, which stay behind in the store
     * (a page of a thousand transactions of a megabyte each must not be read whole; the stores read the summary
     * columns or fields only), and a reason cut to a bound.
     */
    @Test
    void aListingCarriesEverySummaryFieldAndABoundedReason() {
        String big = "x".repeat(256 * 1024);
        TransactionRecord r = new TransactionRecord("sum-1", "tcc", TransStatus.ABORTING, "{\"p\":\"" + big + "\"}",
                "{\"q\":\"" + big + "\"}", 1, "owner-1", 5_000L, 1_000, 1_001, null, "r".repeat(5_000));
        store.insertIfAbsent(r);

        List<TransactionSummary> page = store.list(ListFilter.ALL, null, 10).records();

        assertThat(page).containsExactly(new TransactionSummary("sum-1", "tcc", TransStatus.ABORTING, 1, "owner-1",
                5_000L, 1_000, 1_001, null, "r".repeat(TransactionSummary.MAX_REASON)));
    }

    /** The whole record is replaced, the definition too (a TCC transaction's grows as branches are registered). */
    @Test
    void compareAndSetReplacesEveryField() {
        TransactionRecord r = record("cas-all", TransStatus.PREPARED, 9_000L, 1_000);
        store.insertIfAbsent(r);
        TransactionRecord next = new TransactionRecord(r.gid(), r.transType(), TransStatus.SUBMITTED,
                "{\"gid\":\"cas-all\",\"more\":1}", "{\"a\":[]}", 2, "me", 12_000L, r.createdAt(), 2_000, null,
                "why");
        assertThat(store.compareAndSet(next)).isTrue();
        assertThat(store.find("cas-all")).contains(next);
    }

    @Test
    void insertThenFind() {
        TransactionRecord r = record("g1", TransStatus.SUBMITTED, 5_000L, 1_000);
        assertThat(store.insertIfAbsent(r)).isEmpty();
        assertThat(store.find("g1")).contains(r);
        assertThat(store.find("missing")).isEmpty();
    }

    @Test
    void insertOfAnExistingGidReturnsTheStoredRecordUnchanged() {
        TransactionRecord first = record("g2", TransStatus.SUBMITTED, 5_000L, 1_000);
        store.insertIfAbsent(first);
        TransactionRecord second = new TransactionRecord("g2", "saga", TransStatus.PREPARED, "{\"other\":1}", "{}", 1,
                "x", null, 2_000, 2_000, null, null);
        assertThat(store.insertIfAbsent(second)).contains(first);
        assertThat(store.find("g2")).contains(first);
    }

    /** Gids are compared byte for byte: {@code Order-1} and {@code order-1} are two transactions. */
    @Test
    void gidsDifferingOnlyInCaseAreDifferentTransactions() {
        TransactionRecord upper = record("Order-1", TransStatus.SUBMITTED, 5_000L, 1_000);
        TransactionRecord lower = record("order-1", TransStatus.PREPARED, null, 1_001);
        assertThat(store.insertIfAbsent(upper)).isEmpty();
        assertThat(store.insertIfAbsent(lower)).as("a different gid, not a duplicate").isEmpty();
        assertThat(store.find("Order-1")).contains(upper);
        assertThat(store.find("order-1")).contains(lower);
        assertThat(store.find("ORDER-1")).isEmpty();
        assertThat(store.compareAndSet(lower.next(TransStatus.FAILED, "{}", null, null, 2_000, "x"))).isTrue();
        assertThat(store.find("Order-1")).contains(upper);
    }

    /** A gid runs once: it is refused again even after its finished transaction is past any retention. */
    @Test
    void aGidIsNeverAcceptedTwiceEvenPastTheRetention() {
        TransactionRecord v1 = record("once", TransStatus.SUBMITTED, 5_000L, 1_000);
        store.insertIfAbsent(v1);
        TransactionRecord done = v1.next(TransStatus.FAILED, "{}", null, null, 2_000, "why");
        assertThat(store.compareAndSet(done)).isTrue();
        store.sweep(2_000 + 400L * 24 * 3600 * 1000); // 400 days later

        TransactionRecord reuse = new TransactionRecord("once", "saga", TransStatus.SUBMITTED, "{\"other\":1}", "{}",
                1, null, 1L, 3_000, 3_000, null, null);
        Optional<TransactionRecord> existing = store.insertIfAbsent(reuse);
        assertThat(existing).as("the gid already ran").isPresent();
        assertThat(existing.get().status()).isEqualTo(TransStatus.FAILED);
        assertThat(existing.get().definition()).isNotEqualTo(reuse.definition());
    }

    /**
     * Past the retention a finished transaction is gone — not found, not listed — and its gid stays taken; within it,
     * and whatever their age when unfinished, transactions stay whole.
     */
    @Test
    void theRetentionRemovesFinishedTransactionsPastItAndKeepsTheirGidsTaken() {
        TransactionRecord v1 = record("ret-done", TransStatus.SUBMITTED, 5_000L, 1_000);
        store.insertIfAbsent(v1);
        assertThat(store.compareAndSet(v1.next(TransStatus.SUCCEEDED, "{}", null, null, 2_000, null))).isTrue();
        store.insertIfAbsent(record("ret-open", TransStatus.SUBMITTED, 5_000L, 500));
        long retention = RETENTION.toMillis();

        store.sweep(2_000 + retention - 1_000);
        assertThat(store.find("ret-done")).as("within the retention").isPresent();

        assertThat(store.sweep(2_000 + retention + 1_000)).isEqualTo(1);
        assertThat(store.find("ret-done")).as("past the retention").isEmpty();
        assertThat(store.find("ret-open")).as("unfinished: never removed").isPresent();
        assertThat(store.list(ListFilter.ALL, null, 10).records()).extracting(TransactionSummary::gid)
                .containsExactly("ret-open");
        Optional<TransactionRecord> again = store.insertIfAbsent(record("ret-done", TransStatus.SUBMITTED, 1L, 9_000));
        assertThat(again).hasValueSatisfying(r -> {
            assertThat(r.isRemoved()).isTrue();
            assertThat(r.status()).isEqualTo(TransStatus.SUCCEEDED);
        });
        assertThat(store.sweep(2_000 + 2 * retention)).as("nothing left to remove").isZero();
    }

    @Test
    void compareAndSetWithTheRightVersionWritesAndAStaleOneIsRefused() {
        TransactionRecord v1 = record("g3", TransStatus.SUBMITTED, 5_000L, 1_000);
        store.insertIfAbsent(v1);
        TransactionRecord v2 = v1.next(TransStatus.ABORTING, "{\"p\":2}", "me", 9_000L, 2_000, "why");
        assertThat(store.compareAndSet(v2)).isTrue();
        assertThat(store.find("g3")).contains(v2);

        TransactionRecord stale = v1.next(TransStatus.SUCCEEDED, "{\"p\":\"stale\"}", null, null, 3_000, null);
        assertThat(store.compareAndSet(stale)).isFalse();
        assertThat(store.find("g3")).contains(v2);

        TransactionRecord v3 = v2.next(TransStatus.FAILED, "{\"p\":3}", null, null, 4_000, "why");
        assertThat(store.compareAndSet(v3)).isTrue();
        assertThat(store.find("g3")).contains(v3);
        assertThat(store.compareAndSet(record("never-inserted", TransStatus.SUBMITTED, 1L, 1).next(
                TransStatus.FAILED, "{}", null, null, 1, null))).isFalse();
    }

    @Test
    void claimTakesOnlyDueUnfinishedTransactionsMostOverdueFirst() {
        store.insertIfAbsent(record("late", TransStatus.SUBMITTED, 3_000L, 1));
        store.insertIfAbsent(record("later", TransStatus.ABORTING, 1_000L, 2));
        store.insertIfAbsent(record("future", TransStatus.SUBMITTED, 50_000L, 3));
        store.insertIfAbsent(record("waiting", TransStatus.PREPARED, null, 4));
        store.insertIfAbsent(record("done", TransStatus.SUCCEEDED, null, 5));

        List<TransactionRecord> claimed = store.claimDue(10_000, "owner-a", 20_000, 10);

        assertThat(claimed).extracting(TransactionRecord::gid).containsExactlyInAnyOrder("later", "late");
        if (singleOrderedIndex()) {
            assertThat(claimed).extracting(TransactionRecord::gid).containsExactly("later", "late");
        }
        for (TransactionRecord r : claimed) {
            assertThat(r.owner()).isEqualTo("owner-a");
            assertThat(r.nextDueAt()).isEqualTo(20_000L);
            assertThat(r.version()).isEqualTo(2);
            assertThat(store.find(r.gid())).contains(r);
        }
        assertThat(store.claimDue(10_000, "owner-b", 20_000, 10)).as("leased until 20 000").isEmpty();
        assertThat(store.claimDue(20_000, "owner-b", 30_000, 10)).extracting(TransactionRecord::gid)
                .containsExactlyInAnyOrder("late", "later");
    }

    /** Whether the store keeps one due index (exact global order) rather than shards (order within a shard). */
    protected boolean singleOrderedIndex() {
        return true;
    }

    /** What an operator's gauges read: due unfinished transactions, and the oldest of each unfinished status. */
    @Test
    void backlogCountsDueTransactionsAndFindsTheOldestOfEachUnfinishedStatus() {
        assertThat(store.backlog(10_000)).isEqualTo(new TransactionStore.Backlog(0, java.util.Map.of()));
        store.insertIfAbsent(record("b-late", TransStatus.SUBMITTED, 3_000L, 500));
        store.insertIfAbsent(record("b-late-too", TransStatus.ABORTING, 10_000L, 300));
        store.insertIfAbsent(record("b-future", TransStatus.SUBMITTED, 50_000L, 200));
        store.insertIfAbsent(record("b-waiting", TransStatus.PREPARED, null, 400));
        store.insertIfAbsent(record("b-older-prepared", TransStatus.PREPARED, 60_000L, 350));
        store.insertIfAbsent(record("b-done", TransStatus.SUCCEEDED, null, 100));
        store.insertIfAbsent(record("b-failed", TransStatus.FAILED, null, 50));
        assertThat(store.backlog(10_000)).isEqualTo(new TransactionStore.Backlog(2, java.util.Map.of(
                TransStatus.SUBMITTED, 200L, TransStatus.ABORTING, 300L, TransStatus.PREPARED, 350L)));

        // the oldest submitted one finishes: the next oldest is reported, and it left the due index
        TransactionRecord future = store.find("b-future").orElseThrow();
        assertThat(store.compareAndSet(future.next(TransStatus.SUCCEEDED, "{}", null, null, 11_000, null))).isTrue();
        assertThat(store.backlog(100_000)).isEqualTo(new TransactionStore.Backlog(3, java.util.Map.of(
                TransStatus.SUBMITTED, 500L, TransStatus.ABORTING, 300L, TransStatus.PREPARED, 350L)));
    }

    @Test
    void aClaimedRecordCanNoLongerBeWrittenWithItsOldVersion() {
        TransactionRecord v1 = record("g4", TransStatus.SUBMITTED, 1_000L, 1);
        store.insertIfAbsent(v1);
        assertThat(store.claimDue(2_000, "recoverer", 9_000, 10)).hasSize(1);

        // the first owner, paused through its lease, tries to finish: fenced off
        assertThat(store.compareAndSet(v1.next(TransStatus.SUCCEEDED, "{}", null, null, 3_000, null))).isFalse();
        assertThat(store.find("g4").orElseThrow().owner()).isEqualTo("recoverer");
    }

    @Test
    void terminalAndReleasedTransactionsLeaveTheDueIndex() {
        TransactionRecord v1 = record("g5", TransStatus.SUBMITTED, 1_000L, 1);
        store.insertIfAbsent(v1);
        store.compareAndSet(v1.next(TransStatus.SUCCEEDED, "{}", null, null, 2_000, null));
        assertThat(store.claimDue(Long.MAX_VALUE / 2, "x", Long.MAX_VALUE / 2, 10)).isEmpty();
    }

    @Test
    void racingClaimersNeverGetTheSameTransaction() throws Exception {
        int n = 60;
        for (int i = 0; i < n; i++) {
            store.insertIfAbsent(record("race-" + i, TransStatus.SUBMITTED, (long) i, i));
        }
        for (int round = 0; round < 3; round++) {
            long now = 1_000L + round * 10_000L;
            Set<String> seen = ConcurrentHashMap.newKeySet();
            List<String> duplicates = new ArrayList<>();
            CyclicBarrier start = new CyclicBarrier(4);
            List<CompletableFuture<Void>> claimers = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                String owner = "owner-" + c;
                claimers.add(CompletableFuture.runAsync(() -> {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    List<TransactionRecord> got;
                    do {
                        got = store.claimDue(now, owner, now + 5_000, 7);
                        for (TransactionRecord r : got) {
                            if (!seen.add(r.gid())) {
                                synchronized (duplicates) {
                                    duplicates.add(r.gid());
                                }
                            }
                        }
                    } while (!got.isEmpty());
                }));
            }
            CompletableFuture.allOf(claimers.toArray(CompletableFuture[]::new)).get();
            assertThat(duplicates).as("round " + round).isEmpty();
            assertThat(seen).as("round " + round).hasSize(n);
        }
    }

    @Test
    void listPagesCoverEveryRecordOnceNewestFirstWithAndWithoutStatus() {
        Set<String> all = new HashSet<>();
        for (int i = 0; i < 23; i++) {
            TransStatus s = i % 3 == 0 ? TransStatus.FAILED : TransStatus.SUCCEEDED;
            store.insertIfAbsent(record("list-" + i, s, s.isTerminal() ? null : 1L, 1_000 + i / 2));
            all.add("list-" + i);
        }
        List<String> seen = new ArrayList<>();
        long previousCreated = Long.MAX_VALUE;
        String position = null;
        do {
            TransactionStore.Page page = store.list(ListFilter.ALL, position, 5);
            assertThat(page.records().size()).isLessThanOrEqualTo(5);
            for (TransactionSummary r : page.records()) {
                assertThat(r.createdAt()).isLessThanOrEqualTo(previousCreated);
                previousCreated = r.createdAt();
                seen.add(r.gid());
            }
            position = page.nextPosition();
        } while (position != null);
        assertThat(seen).containsExactlyInAnyOrderElementsOf(all);

        List<String> failed = new ArrayList<>();
        position = null;
        do {
            TransactionStore.Page page = store.list(ListFilter.status(TransStatus.FAILED), position, 3);
            page.records().forEach(r -> failed.add(r.gid()));
            position = page.nextPosition();
        } while (position != null);
        assertThat(failed).hasSize(8).allMatch(g -> Integer.parseInt(g.substring(5)) % 3 == 0);
    }

    /** DTM's {@code all} conditions: type, and creation time with both ends included; pages cover each match once. */
    @Test
    void listFiltersByTypeAndCreationTimeWithBothEndsIncluded() {
        for (int i = 0; i < 12; i++) {
            TransactionRecord r = record("f-" + i, i % 2 == 0 ? TransStatus.FAILED : TransStatus.SUCCEEDED, null,
                    2_000 + i);
            store.insertIfAbsent(new TransactionRecord(r.gid(), i % 3 == 0 ? "tcc" : "saga", r.status(),
                    r.definition(), r.progress(), r.version(), r.owner(), r.nextDueAt(), r.createdAt(), r.updatedAt(),
                    r.finishedAt(), r.reason()));
        }
        assertThat(all(new ListFilter(null, "tcc", null, null), 2)).containsExactly("f-9", "f-6", "f-3", "f-0");
        assertThat(all(new ListFilter(null, null, 2_003L, 2_006L), 3)).containsExactly("f-6", "f-5", "f-4", "f-3");
        assertThat(all(new ListFilter(TransStatus.FAILED, "saga", 2_001L, 2_010L), 1))
                .containsExactly("f-10", "f-8", "f-4", "f-2");
        assertThat(all(new ListFilter(null, "xa", null, null), 5)).isEmpty();
        assertThat(all(new ListFilter(null, null, 2_020L, null), 5)).isEmpty();
    }

    /** The operator's search by the start of a gid: case counts, and SQL's wildcards are plain characters. */
    @Test
    void listFiltersByGidPrefix() {
        String[] gids = {"order-1", "order-2", "Order-3", "orders-4", "order_5", "order%6", "invoice-7"};
        for (int i = 0; i < gids.length; i++) {
            store.insertIfAbsent(record(gids[i], TransStatus.SUCCEEDED, null, 3_000 + i));
        }
        assertThat(all(new ListFilter(null, null, null, null, "order-"), 1)).containsExactly("order-2", "order-1");
        assertThat(all(new ListFilter(null, null, null, null, "order"), 2))
                .containsExactly("order%6", "order_5", "orders-4", "order-2", "order-1");
        assertThat(all(new ListFilter(null, null, null, null, "order_"), 5)).containsExactly("order_5");
        assertThat(all(new ListFilter(null, null, null, null, "order%"), 5)).containsExactly("order%6");
        assertThat(all(new ListFilter(null, null, 3_001L, null, "Order"), 5)).containsExactly("Order-3");
        assertThat(all(new ListFilter(null, null, null, null, "refund"), 5)).isEmpty();
    }

    /** A pair is created once (version 1), then each write replaces exactly the version before it. */
    @Test
    void keyValuePairsChangeByCompareAndSetOnTheirVersion() {
        KvEntry created = new KvEntry("topics", "orders", "[]", 1, 1_000, 1_000);
        assertThat(store.findKv("topics", "orders")).isEmpty();
        assertThat(store.putKv(created)).isTrue();
        assertThat(store.putKv(created)).as("created twice").isFalse();
        KvEntry second = created.next("[{\"url\":\"http://a\"}]", 2_000);
        assertThat(store.putKv(second)).isTrue();
        assertThat(store.putKv(created.next("stale", 2_500))).as("a stale writer").isFalse();
        assertThat(store.putKv(second.next("x", 3_000).next("y", 3_000))).as("a version skipped").isFalse();
        assertThat(store.findKv("topics", "orders")).contains(second);
        assertThat(store.findKv("other", "orders")).as("another category").isEmpty();
        assertThat(store.deleteKv("topics", "orders")).isTrue();
        assertThat(store.deleteKv("topics", "orders")).isFalse();
        assertThat(store.findKv("topics", "orders")).isEmpty();
        assertThat(store.putKv(second.next("again", 4_000))).as("an update of a deleted pair").isFalse();
        assertThat(store.putKv(new KvEntry("topics", "orders", "anew", 1, 5_000, 5_000))).isTrue();
        assertThat(store.findKv("topics", "orders").orElseThrow().value()).isEqualTo("anew");
    }

    /** Of writers racing from one version, exactly one wins. */
    @Test
    void oneOfConcurrentKeyValueWritersWins() throws Exception {
        KvEntry created = new KvEntry("topics", "race", "0", 1, 1, 1);
        assertThat(store.putKv(created)).isTrue();
        int writers = 8;
        CyclicBarrier start = new CyclicBarrier(writers);
        List<CompletableFuture<Boolean>> wins = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            String value = Integer.toString(i);
            wins.add(CompletableFuture.supplyAsync(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return store.putKv(created.next(value, 2));
            }));
        }
        long won = 0;
        for (CompletableFuture<Boolean> w : wins) {
            won += w.get() ? 1 : 0;
        }
        assertThat(won).isEqualTo(1);
        assertThat(store.findKv("topics", "race").orElseThrow().version()).isEqualTo(2);
    }

    /** A scan lists a category's pairs in key order, page by page, each once; another category's never. */
    @Test
    void keyValueScansPageThroughACategoryInKeyOrder() {
        for (String key : List.of("payments", "orders", "stock-2", "stock-1", "audit")) {
            assertThat(store.putKv(new KvEntry("topics", key, "[]", 1, 1, 1))).isTrue();
        }
        assertThat(store.putKv(new KvEntry("other", "billing", "[]", 1, 1, 1))).isTrue();
        List<String> keys = new ArrayList<>();
        String after = "";
        int pages = 0;
        do {
            TransactionStore.KvPage page = store.scanKv("topics", after, 2);
            assertThat(page.entries().size()).isLessThanOrEqualTo(2);
            page.entries().forEach(e -> keys.add(e.key()));
            after = page.nextPosition();
            pages++;
        } while (!after.isEmpty());
        assertThat(keys).containsExactly("audit", "orders", "payments", "stock-1", "stock-2");
        assertThat(pages).as("no empty last page").isEqualTo(3);
        assertThat(store.scanKv("topics", "", 5).nextPosition()).as("all on one page").isEmpty();
        assertThat(store.scanKv("topics", "stock-2", 5).entries()).isEmpty();
        assertThat(store.scanKv("none", "", 5).entries()).isEmpty();
    }

    /** Every gid {@code filter} lists, page after page of {@code limit}, in order. */
    protected List<String> all(ListFilter filter, int limit) {
        List<String> gids = new ArrayList<>();
        String position = null;
        do {
            TransactionStore.Page page = store.list(filter, position, limit);
            assertThat(page.records().size()).isLessThanOrEqualTo(limit);
            page.records().forEach(r -> gids.add(r.gid()));
            position = page.nextPosition();
        } while (position != null);
        return gids;
    }
}
