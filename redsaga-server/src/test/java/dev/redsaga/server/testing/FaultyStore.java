package dev.redsaga.server.testing;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.store.KvEntry;
import dev.redsaga.server.store.ListFilter;
import dev.redsaga.server.store.StoreException;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real store behind a switchboard of faults, injected where the coordinator meets its store: a call that fails
 * before reaching the store (nothing done), or one the store carries out and then reports as failed with its
 * outcome unknown (a timeout after the write). Every other call goes through unchanged. Tests may also override
 * any method to observe or interleave.
 */
public class FaultyStore implements TransactionStore {
    /** The store operations a fault can hit. */
    public enum Op { INSERT, FIND, CAS, CLAIM, BACKLOG }

    /** What a fault does. */
    public enum Fault {
        /** fails without touching the store */
        BEFORE,
        /** the store does it, then the call fails with its outcome unknown */
        AFTER,
        /** a bug: an unexpected exception whose text must not reach a caller */
        BUG
    }

    private record Armed(Fault fault, AtomicInteger remaining) {
    }

    private final TransactionStore delegate;
    private final Map<Op, Armed> armed = new ConcurrentHashMap<>();

    public FaultyStore(TransactionStore delegate) {
        this.delegate = delegate;
    }

    /** The next {@code times} calls of {@code op} meet {@code fault} ({@link Integer#MAX_VALUE}: until healed). */
    public FaultyStore inject(Op op, Fault fault, int times) {
        armed.put(op, new Armed(fault, new AtomicInteger(times)));
        return this;
    }

    public void heal() {
        armed.clear();
    }

    private <T> T run(Op op, String what, java.util.function.Supplier<T> call) {
        Armed a = armed.get(op);
        if (a == null || a.remaining().getAndDecrement() <= 0) {
            return call.get();
        }
        if (a.fault() == Fault.BEFORE) {
            throw new StoreException("injected: the store is unreachable (" + what + ")");
        }
        if (a.fault() == Fault.BUG) {
            throw new IllegalStateException("injected bug, internal detail: password=hunter2");
        }
        call.get();
        throw StoreException.outcomeUnknown("injected: no answer from the store after sending " + what, null);
    }

    @Override
    public Optional<TransactionRecord> insertIfAbsent(TransactionRecord record) {
        return run(Op.INSERT, "insert " + record.gid(), () -> delegate.insertIfAbsent(record));
    }

    @Override
    public Optional<TransactionRecord> find(String gid) {
        return run(Op.FIND, "find " + gid, () -> delegate.find(gid));
    }

    @Override
    public boolean compareAndSet(TransactionRecord next) {
        return run(Op.CAS, "update " + next.gid(), () -> delegate.compareAndSet(next));
    }

    @Override
    public List<TransactionRecord> claimDue(long now, String owner, long leaseUntil, int limit) {
        return run(Op.CLAIM, "claim", () -> delegate.claimDue(now, owner, leaseUntil, limit));
    }

    @Override
    public Backlog backlog(long now) {
        return run(Op.BACKLOG, "backlog", () -> delegate.backlog(now));
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
        return "faulty " + delegate.describe();
    }

    /** Leaves the wrapped store open: whoever opened it closes it. */
    @Override
    public void close() {
    }
}
