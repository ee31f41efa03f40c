package dev.redsaga.server.engine;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Registers the branches of prepared transactions whose type registers them (TCC, XA). A fan-out registers its
 * branches all at once: registrations of one transaction take turns on this instance, so that each is one read and
 * one compare-and-set, and only a write by another instance or by the engine makes one try again.
 */
final class BranchRegistrations {
    /** Registrations take turns here; other writers are rarer, and retried more than a command's few tries. */
    private static final int MAX_REGISTER_TRIES = 64;
    private static final int TURNS = 64;

    private final Lock[] turns = new Lock[TURNS];
    private final TransactionStore store;
    private final EngineOptions options;
    private final InstantSource clock;
    private final TransactionCommands commands;

    BranchRegistrations(TransactionStore store, EngineOptions options, InstantSource clock,
            TransactionCommands commands) {
        this.store = store;
        this.options = options;
        this.clock = clock;
        this.commands = commands;
        for (int i = 0; i < TURNS; i++) {
            turns[i] = new ReentrantLock();
        }
    }

    /** See {@link SagaEngine#registerBranch}. */
    void register(String gid, String branchId, String confirm, String cancel, String data, int maxChars) {
        Lock turn = turns[Math.floorMod(gid.hashCode(), TURNS)];
        boolean mine;
        try {
            mine = turn.tryLock(options.permitWaitMs(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            mine = false;
        }
        if (!mine) {
            throw new CommandRefusedException(CommandRefusedException.Reason.BUSY, "branches of " + gid
                    + " are being registered by many callers at once; nothing was done: register the branch again");
        }
        try {
            // contention is no business failure (409 would abort the transaction at DTM's clients): retryable, 503
            commands.onStored(gid, MAX_REGISTER_TRIES, () -> new CommandRefusedException(
                    CommandRefusedException.Reason.BUSY, "transaction " + gid + " kept changing under other "
                    + "writers; nothing was done: register the branch again"),
                    r -> registerOn(r, branchId, confirm, cancel, data, maxChars));
        } finally {
            turn.unlock();
        }
    }

    private Optional<Boolean> registerOn(TransactionRecord r, String branchId, String confirm, String cancel,
            String data, int maxChars) {
        SagaDefinition def = commands.definitionOf(r);
        if (!def.kind().registersBranches() || r.status() != TransStatus.PREPARED) {
            // DTM's words: its clients show them
            throw new CommandRefusedException(CommandRefusedException.Reason.CONFLICT, "no trans with gid: "
                    + r.gid() + " status: prepared found (it is a " + def.type().wire() + ", " + r.status().wire()
                    + "); branches are registered while a tcc or xa transaction is prepared");
        }
        SagaDefinition more = def.withBranch(branchId, confirm, cancel, data);
        if (more == def) {
            return Optional.of(true);
        }
        String definition = DefinitionCodec.encode(more);
        if (definition.length() > maxChars) {
            throw new InvalidTransactionException(def.type().wire() + " transaction " + r.gid() + " would hold "
                    + definition.length() + " characters of branches with branch " + branchId + "; at most "
                    + maxChars + " (the server's --max-request-bytes): keep each branch's data small");
        }
        // nobody holds a prepared transaction: written as released, or the next claim would take it for orphaned
        SagaProgress grown = ProgressCodec.decode(r.progress()).withStep().releasedAt(r.version() + 1);
        TransactionRecord next = r.next(r.status(), ProgressCodec.encode(grown), r.owner(), r.nextDueAt(),
                clock.millis(), r.reason()).withDefinition(definition);
        return store.compareAndSet(next) ? Optional.of(true) : Optional.empty();
    }
}
