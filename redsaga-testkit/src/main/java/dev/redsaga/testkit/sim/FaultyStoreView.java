package dev.redsaga.testkit.sim;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.store.KvEntry;
import dev.redsaga.server.store.ListFilter;
import dev.redsaga.server.store.StoreException;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One coordinator's connection to the simulated store, where store faults are injected: a call that fails before
 * reaching the store, or one the store carries out and then reports as failed with its outcome unknown.
 */
final class FaultyStoreView implements TransactionStore {
    private final TransactionStore store;
    private final World world;

    FaultyStoreView(TransactionStore store, World world) {
        this.store = store;
        this.world = world;
    }

    private <T> T call(boolean write, Supplier<T> op) {
        switch (world.storeFault(write)) {
            case NONE -> {
                return op.get();
            }
            case BEFORE -> throw new StoreException("simulated: the store is unreachable");
            default -> {
                op.get();
                throw StoreException.outcomeUnknown("simulated: no answer after the write reached the store", null);
            }
        }
    }

    @Override
    public Optional<TransactionRecord> insertIfAbsent(TransactionRecord record) {
        return call(true, () -> store.insertIfAbsent(record));
    }

    @Override
    public Optional<TransactionRecord> find(String gid) {
        return call(false, () -> store.find(gid));
    }

    @Override
    public boolean compareAndSet(TransactionRecord next) {
        return call(true, () -> store.compareAndSet(next));
    }

    @Override
    public List<TransactionRecord> claimDue(long now, String owner, long leaseUntil, int limit) {
        return call(true, () -> store.claimDue(now, owner, leaseUntil, limit));
    }

    @Override
    public Backlog backlog(long now) {
        return store.backlog(now);
    }

    @Override
    public int sweep(long now) {
        return store.sweep(now);
    }

    @Override
    public Page list(ListFilter filter, String position, int limit) {
        return store.list(filter, position, limit);
    }

    @Override
    public Optional<KvEntry> findKv(String cat, String key) {
        return call(false, () -> store.findKv(cat, key));
    }

    @Override
    public boolean putKv(KvEntry next) {
        return call(true, () -> store.putKv(next));
    }

    @Override
    public boolean deleteKv(String cat, String key) {
        return call(true, () -> store.deleteKv(cat, key));
    }

    @Override
    public KvPage scanKv(String cat, String after, int limit) {
        return store.scanKv(cat, after, limit);
    }

    @Override
    public String describe() {
        return "simulated";
    }

    @Override
    public void close() {
    }
}
