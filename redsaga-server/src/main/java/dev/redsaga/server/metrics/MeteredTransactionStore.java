package dev.redsaga.server.metrics;

import dev.redsaga.server.store.KvEntry;
import dev.redsaga.server.store.ListFilter;
import dev.redsaga.server.store.StoreException;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A store that times each call ({@code redsaga.store.calls}, by call and outcome) and counts what its writes mean:
 * a transaction stored for the first time is one started, a write that makes it terminal is one ended. Counted
 * here, at the store, because only the writes the store accepted happened: a compare-and-set lets exactly one
 * writer through, so each instance counts the transactions it started and ended, once, and their sum over the
 * instances is the total.
 */
final class MeteredTransactionStore implements TransactionStore {
    /** What a call came to: {@code conflict} is a refused compare-and-set or an insert whose gid was taken. */
    private static final String OK = "ok";
    private static final String CONFLICT = "conflict";

    /** Upper bounds of the latency buckets: a store call takes a millisecond or two, a stalled one seconds. */
    static final Duration[] BUCKETS = buckets(1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000);

    private final TransactionStore delegate;
    private final MeterRegistry registry;
    private final Counter recoveryClaims;
    /** The meters by their tags, so that a call does not build and look up a meter id each time. */
    private final Map<List<String>, Timer> timers = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();

    MeteredTransactionStore(TransactionStore delegate, MeterRegistry registry) {
        this.delegate = delegate;
        this.registry = registry;
        this.recoveryClaims = Counter.builder("redsaga.recovery.claims")
                .description("due transactions claimed by recovery (their retry time came, or their holder's lease ran out)")
                .register(registry);
    }

    @Override
    public Optional<TransactionRecord> insertIfAbsent(TransactionRecord record) {
        long start = System.nanoTime();
        Optional<TransactionRecord> existing = timed("insert", start, () -> delegate.insertIfAbsent(record),
                r -> r.isEmpty() ? OK : CONFLICT);
        if (existing.isEmpty()) {
            counters.computeIfAbsent(List.of(record.transType()), k -> Counter.builder("redsaga.transactions.started")
                    .description("transactions stored for the first time (prepared or submitted), by type")
                    .tag("type", record.transType())
                    .register(registry)).increment();
        }
        return existing;
    }

    @Override
    public Optional<TransactionRecord> find(String gid) {
        return timed("find", System.nanoTime(), () -> delegate.find(gid), r -> OK);
    }

    @Override
    public boolean compareAndSet(TransactionRecord next) {
        boolean written = timed("compare_and_set", System.nanoTime(), () -> delegate.compareAndSet(next),
                w -> w ? OK : CONFLICT);
        if (written && next.status().isTerminal()) {
            counters.computeIfAbsent(List.of(next.transType(), next.status().wire()), k -> Counter
                    .builder("redsaga.transactions.ended")
                    .description("transactions that reached a terminal status, by type and status")
                    .tag("type", next.transType())
                    .tag("status", next.status().wire())
                    .register(registry)).increment();
        }
        return written;
    }

    @Override
    public List<TransactionRecord> claimDue(long now, String owner, long leaseUntil, int limit) {
        List<TransactionRecord> claimed = timed("claim_due", System.nanoTime(),
                () -> delegate.claimDue(now, owner, leaseUntil, limit), r -> OK);
        recoveryClaims.increment(claimed.size());
        return claimed;
    }

    @Override
    public int sweep(long now) {
        return timed("sweep", System.nanoTime(), () -> delegate.sweep(now), r -> OK);
    }

    @Override
    public Page list(ListFilter filter, String position, int limit) {
        return timed("list", System.nanoTime(), () -> delegate.list(filter, position, limit), r -> OK);
    }

    @Override
    public Optional<KvEntry> findKv(String cat, String key) {
        return timed("find_kv", System.nanoTime(), () -> delegate.findKv(cat, key), r -> OK);
    }

    @Override
    public boolean putKv(KvEntry next) {
        return timed("put_kv", System.nanoTime(), () -> delegate.putKv(next), w -> w ? OK : CONFLICT);
    }

    @Override
    public boolean deleteKv(String cat, String key) {
        return timed("delete_kv", System.nanoTime(), () -> delegate.deleteKv(cat, key), r -> OK);
    }

    @Override
    public KvPage scanKv(String cat, String after, int limit) {
        return timed("scan_kv", System.nanoTime(), () -> delegate.scanKv(cat, after, limit), r -> OK);
    }

    @Override
    public Backlog backlog(long now) {
        return timed("backlog", System.nanoTime(), () -> delegate.backlog(now), r -> OK);
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public void close() {
        delegate.close();
    }

    private <T> T timed(String call, long startNanos, Supplier<T> op, Function<T, String> outcome) {
        T result;
        try {
            result = op.get();
        } catch (StoreException e) {
            record(call, e.outcomeUnknown() ? "unknown" : "error", startNanos);
            throw e;
        } catch (RuntimeException e) {
            record(call, "error", startNanos);
            throw e;
        }
        record(call, outcome.apply(result), startNanos);
        return result;
    }

    private void record(String call, String outcome, long startNanos) {
        timers.computeIfAbsent(List.of(call, outcome), k -> Timer.builder("redsaga.store.calls")
                .description("calls to the transaction store, by call and outcome (ok, conflict, error, unknown: "
                        + "the store did not say whether a write happened)")
                .tag("call", call)
                .tag("outcome", outcome)
                .serviceLevelObjectives(BUCKETS)
                .register(registry)).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    static Duration[] buckets(long... millis) {
        Duration[] out = new Duration[millis.length];
        for (int i = 0; i < millis.length; i++) {
            out[i] = Duration.ofMillis(millis[i]);
        }
        return out;
    }
}
