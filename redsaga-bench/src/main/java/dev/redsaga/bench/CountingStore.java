package dev.redsaga.bench;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.store.KvEntry;
import dev.redsaga.server.store.ListFilter;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/** A store that counts its calls: each SPI call is one round trip to the real store. */
final class CountingStore implements TransactionStore {
    private final TransactionStore delegate;
    private final LongAdder calls = new LongAdder();

    CountingStore(TransactionStore delegate) {
        this.delegate = delegate;
    }

    long calls() {
        return calls.sum();
    }

    @Override
    public Optional<TransactionRecord> insertIfAbsent(TransactionRecord record) {
        calls.increment();
        return delegate.insertIfAbsent(record);
    }

    @Override
    public Optional<TransactionRecord> find(String gid) {
        calls.increment();
        return delegate.find(gid);
    }

    @Override
    public boolean compareAndSet(TransactionRecord next) {
        calls.increment();
        return delegate.compareAndSet(next);
    }

    @Override
    public List<TransactionRecord> claimDue(long now, String owner, long leaseUntil, int limit) {
        calls.increment();
        return delegate.claimDue(now, owner, leaseUntil, limit);
    }

    @Override
    public Backlog backlog(long now) {
        calls.increment();
        return delegate.backlog(now);
    }

    @Override
    public int sweep(long now) {
        calls.increment();
        return delegate.sweep(now);
    }

    @Override
    public Page list(ListFilter filter, String position, int limit) {
        calls.increment();
        return delegate.list(filter, position, limit);
    }

    @Override
    public Optional<KvEntry> findKv(String cat, String key) {
        calls.increment();
        return delegate.findKv(cat, key);
    }

    @Override
    public boolean putKv(KvEntry next) {
        calls.increment();
        return delegate.putKv(next);
    }

    @Override
    public boolean deleteKv(String cat, String key) {
        calls.increment();
        return delegate.deleteKv(cat, key);
    }

    @Override
    public KvPage scanKv(String cat, String after, int limit) {
        calls.increment();
        return delegate.scanKv(cat, after, limit);
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
