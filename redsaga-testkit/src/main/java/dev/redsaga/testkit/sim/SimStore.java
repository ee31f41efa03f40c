package dev.redsaga.testkit.sim;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.testkit.MemoryTransactionStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The simulated durable store: the in-memory store, remembering every status each transaction was written with,
 * in order, so the checker can see whether state only moved forward. With the
 * {@link Mutant#WRITE_WITHOUT_VERSION_CHECK} mutant it accepts any write to an existing transaction.
 */
final class SimStore extends MemoryTransactionStore {
    private final boolean fencing;
    private final Map<String, List<TransStatus>> history = new HashMap<>();
    private final java.util.function.Consumer<String> trace;

    SimStore(Mutant mutant, java.util.function.Consumer<String> trace) {
        this.fencing = mutant != Mutant.WRITE_WITHOUT_VERSION_CHECK;
        this.trace = trace;
    }

    @Override
    protected boolean versionMatches(TransactionRecord current, TransactionRecord next) {
        return !fencing || super.versionMatches(current, next);
    }

    @Override
    public synchronized java.util.Optional<TransactionRecord> insertIfAbsent(TransactionRecord record) {
        java.util.Optional<TransactionRecord> existing = super.insertIfAbsent(record);
        if (existing.isEmpty()) {
            history.computeIfAbsent(record.gid(), g -> new ArrayList<>()).add(record.status());
            trace.accept(record.gid() + " stored " + record.status().wire() + " v" + record.version());
        }
        return existing;
    }

    @Override
    public synchronized boolean compareAndSet(TransactionRecord next) {
        boolean written = super.compareAndSet(next);
        if (written) {
            List<TransStatus> h = history.computeIfAbsent(next.gid(), g -> new ArrayList<>());
            if (h.isEmpty() || h.getLast() != next.status()) {
                trace.accept(next.gid() + " stored " + next.status().wire() + " v" + next.version()
                        + (next.owner() == null ? "" : " by " + next.owner()));
            }
            h.add(next.status());
        }
        return written;
    }

    /** The statuses {@code gid} was written with, first to last. */
    synchronized List<TransStatus> history(String gid) {
        return history.getOrDefault(gid, List.of());
    }
}
