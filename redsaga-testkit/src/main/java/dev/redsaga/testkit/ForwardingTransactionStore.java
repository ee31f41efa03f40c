package dev.redsaga.testkit;

import dev.redsaga.server.store.KvEntry;
import dev.redsaga.server.store.ListFilter;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import java.util.List;
import java.util.Optional;

/**
 * A store that hands every call to another: extend it and override the calls a test changes (a fault, a delay, a
 * known bug), so that a view of a store is one method, not a re-implementation of the interface.
 */
public abstract class ForwardingTransactionStore implements TransactionStore {
    protected final TransactionStore delegate;

    protected ForwardingTransactionStore(TransactionStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public Optional<TransactionRecord> insertIfAbsent(TransactionRecord record) {
        return delegate.insertIfAbsent(record);
    }

    @Override
    public Optional<TransactionRecord> find(String gid) {
        return delegate.find(gid);
    }

    @Override
    public boolean compareAndSet(TransactionRecord next) {
        return delegate.compareAndSet(next);
    }

    @Override
    public List<TransactionRecord> claimDue(long now, String owner, long leaseUntil, int limit) {
        return delegate.claimDue(now, owner, leaseUntil, limit);
    }

    @Override
    public int sweep(long now) {
        return delegate.sweep(now);
    }

    @Override
    public Page list(ListFilter filter, String position, int limit) {
        return delegate.list(filter, position, limit);
    }

    @Override
    public Backlog backlog(long now) {
        return delegate.backlog(now);
    }

    @Override
    public Optional<KvEntry> findKv(String cat, String key) {
        return delegate.findKv(cat, key);
    }

    @Override
    public boolean putKv(KvEntry next) {
        return delegate.putKv(next);
    }

    @Override
    public boolean deleteKv(String cat, String key) {
        return delegate.deleteKv(cat, key);
    }

    @Override
    public KvPage scanKv(String cat, String after, int limit) {
        return delegate.scanKv(cat, after, limit);
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    /** Closes the store it forwards to. */
    @Override
    public void close() {
        delegate.close();
    }
}
