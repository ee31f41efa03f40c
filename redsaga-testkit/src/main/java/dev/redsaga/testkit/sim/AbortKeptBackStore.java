package dev.redsaga.testkit.sim;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import dev.redsaga.testkit.ForwardingTransactionStore;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link Mutant#COMPENSATE_BEFORE_ABORT_STORED}, as one coordinator's view of the store: a write that moves a held,
 * submitted transaction to {@code aborting} is acknowledged but kept back, and written only just before that
 * transaction's next write. The engine, believing it stored, starts the compensations; a crash in between loses the
 * write, and recovery finds the transaction still submitted.
 */
final class AbortKeptBackStore extends ForwardingTransactionStore {
    private final Map<String, TransactionRecord> keptBack = new HashMap<>();
    private final TransactionStore stored;

    /** @param stored the store itself, read without the view's faults to tell a move to aborting */
    AbortKeptBackStore(TransactionStore view, TransactionStore stored) {
        super(view);
        this.stored = stored;
    }

    @Override
    public synchronized boolean compareAndSet(TransactionRecord next) {
        TransactionRecord earlier = keptBack.remove(next.gid());
        if (earlier != null) {
            return delegate.compareAndSet(earlier) && delegate.compareAndSet(next);
        }
        if (next.status() == TransStatus.ABORTING && next.owner() != null && stored.find(next.gid())
                .filter(r -> r.status() == TransStatus.SUBMITTED && r.version() == next.version() - 1).isPresent()) {
            keptBack.put(next.gid(), next);
            return true;
        }
        return delegate.compareAndSet(next);
    }

    @Override
    public void close() {
        // a view: the store outlives the coordinator
    }
}
