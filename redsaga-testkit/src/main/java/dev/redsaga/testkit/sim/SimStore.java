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
 * {@link Mutant#WRITE_WITHOUT_VERSION_CHECK} mutant it accepts any write to an existing transaction. It keeps a
 * journal of its writes, so that {@link #loseWritesSince} can forget acknowledged writes, as a store whose writes
 * are not durable when acknowledged does on a crash or failover.
 */
final class SimStore extends MemoryTransactionStore {
    private final boolean fencing;
    private final Map<String, List<TransStatus>> history = new HashMap<>();
    private final java.util.function.Consumer<String> trace;
    private final java.util.function.LongSupplier clock;
    private final List<Journaled> journal = new ArrayList<>();

    private record Journaled(long at, String gid, TransactionRecord before) {
    }

    SimStore(Mutant mutant, java.util.function.Consumer<String> trace, java.util.function.LongSupplier clock) {
        this.fencing = mutant != Mutant.WRITE_WITHOUT_VERSION_CHECK;
        this.trace = trace;
        this.clock = clock;
    }

    /** Forgets every write made at or after {@code atMillis}, newest first: the store as it was then. */
    synchronized int loseWritesSince(long atMillis) {
        int lost = 0;
        for (int i = journal.size() - 1; i >= 0 && journal.get(i).at() >= atMillis; i--) {
            Journaled j = journal.remove(i);
            restore(j.gid(), j.before());
            lost++;
        }
        return lost;
    }

    @Override
    protected boolean versionMatches(TransactionRecord current, TransactionRecord next) {
        return !fencing || super.versionMatches(current, next);
    }

    @Override
    protected void written(TransactionRecord before, TransactionRecord after) {
        journal.add(new Journaled(clock.getAsLong(), after.gid(), before));
        List<TransStatus> h = history.computeIfAbsent(after.gid(), g -> new ArrayList<>());
        if (h.isEmpty() || h.getLast() != after.status()) {
            trace.accept(after.gid() + " stored " + after.status().wire() + " v" + after.version()
                    + (after.owner() == null ? "" : " by " + after.owner()));
        }
        h.add(after.status());
    }

    /** The statuses {@code gid} was written with, first to last. */
    synchronized List<TransStatus> history(String gid) {
        return history.getOrDefault(gid, List.of());
    }
}
