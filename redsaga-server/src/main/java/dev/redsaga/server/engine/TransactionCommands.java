package dev.redsaga.server.engine;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.protocol.TransType;
import dev.redsaga.server.engine.kind.TransactionKind;
import dev.redsaga.server.engine.kind.TransactionKinds;
import dev.redsaga.server.store.StoreException;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a client asks of a transaction: submit, prepare, abort, and the operator's forceStop and retry-now. Each
 * reads the stored transaction, decides by its status and its {@link TransactionKind}, and writes the next version
 * with one compare-and-set; a write lost to another writer reads again ({@link #onStored}). Every answer comes after
 * the store acknowledged the write, so an acknowledged command survives any crash.
 */
final class TransactionCommands {
    private static final Logger log = LoggerFactory.getLogger(TransactionCommands.class);
    private static final int MAX_CAS_TRIES = 8;
    private static final Optional<Boolean> DONE = Optional.of(Boolean.TRUE);

    private final TransactionStore store;
    private final EngineOptions options;
    private final InstantSource clock;
    private final String owner;
    private final DriveSlots slots;
    private final Function<SagaDefinition, Long> leaseMs;

    /** @param leaseMs how long this instance holds a transaction it drives (the driver's one rule) */
    TransactionCommands(TransactionStore store, EngineOptions options, InstantSource clock, String owner,
            DriveSlots slots, Function<SagaDefinition, Long> leaseMs) {
        this.store = store;
        this.options = options;
        this.clock = clock;
        this.owner = owner;
        this.slots = slots;
        this.leaseMs = leaseMs;
    }

    /** See {@link SagaEngine#submit}. */
    SubmitResult submit(SagaDefinition def, boolean wait) {
        requireResolved(def);
        Admission.Entry place = slots.enter(def.gid());
        boolean driving = false;
        try {
            long now = clock.millis();
            SagaProgress initial = SagaProgress.initial(def.size());
            TransactionRecord fresh = TransactionRecord.created(def.gid(), def.type().wire(), TransStatus.SUBMITTED,
                    DefinitionCodec.encode(def), ProgressCodec.encode(initial), owner, now + leaseMs.apply(def), now);
            Optional<TransactionRecord> existing = store.insertIfAbsent(fresh);
            if (existing.isEmpty()) {
                driving = true;
                return driveFor(new Transaction(fresh, def, initial), wait);
            }
            TransactionRecord stored = existing.get();
            SagaDefinition storedDef = resentTo(stored, def);
            SagaDefinition run = def.kind().resent(storedDef, def);
            if (stored.status() == TransStatus.FAILED || stored.status() == TransStatus.ABORTING) {
                // DTM's rule: a failed or aborting transaction cannot be submitted (a 200 would say it runs)
                throw new CommandRefusedException(CommandRefusedException.Reason.CONFLICT, def.type().wire() + " "
                        + def.gid() + " is " + stored.status().wire() + " (" + stored.reason()
                        + "); it cannot be submitted");
            }
            if (stored.status() == TransStatus.PREPARED) {
                TransactionRecord next = stored.next(TransStatus.SUBMITTED, stored.progress(), owner,
                        now + leaseMs.apply(run), now, null);
                // a message's submit brings its options: what runs is stored
                TransactionRecord submitted = DefinitionCodec.sameButForTrace(storedDef, run) ? next
                        : next.withDefinition(DefinitionCodec.encode(run));
                if (store.compareAndSet(submitted)) {
                    driving = true;
                    return driveFor(Transaction.of(submitted, run), wait);
                }
                stored = store.find(def.gid()).orElseThrow();
            }
            return resultOf(stored.status(), wait);
        } finally {
            if (!driving) {
                slots.giveBack(def.gid(), place);
            }
        }
    }

    /** See {@link SagaEngine#submitPrepared}. */
    SubmitResult submitPrepared(String gid, boolean wait) {
        Admission.Entry place = slots.enter(gid);
        boolean[] driving = {false};
        try {
            return onStored(gid, () -> keptChanging(gid, "send the submit again"), r -> {
                SagaDefinition def = definitionOf(r);
                if (!def.kind().registersBranches()) {
                    throw new CommandRefusedException(CommandRefusedException.Reason.GID_TAKEN, "transaction " + gid
                            + " is a " + def.type().wire() + ", not a tcc or xa transaction");
                }
                return switch (r.status()) {
                    case SUBMITTED, SUCCEEDED -> Optional.of(resultOf(r.status(), wait));
                    case ABORTING, FAILED -> throw new CommandRefusedException(
                            CommandRefusedException.Reason.CONFLICT, "transaction " + gid + " is "
                            + r.status().wire() + " (" + r.reason() + "); it cannot be submitted");
                    case PREPARED -> {
                        long now = clock.millis();
                        TransactionRecord submitted = r.next(TransStatus.SUBMITTED, r.progress(), owner,
                                now + leaseMs.apply(def), now, null);
                        if (!store.compareAndSet(submitted)) {
                            yield Optional.empty();
                        }
                        driving[0] = true;
                        yield Optional.of(driveFor(Transaction.of(submitted, def), wait));
                    }
                };
            });
        } finally {
            if (!driving[0]) {
                slots.giveBack(gid, place);
            }
        }
    }

    /** See {@link SagaEngine#prepare}. */
    void prepare(SagaDefinition def) {
        requireResolved(def);
        long now = clock.millis();
        // a prepared saga whose submit never comes fails after its timeout_to_fail, or the server's lifetime
        long timeout = def.options().timeoutToFailMs() > 0 ? def.options().timeoutToFailMs()
                : options.preparedLifetimeMs();
        TransactionRecord fresh = TransactionRecord.created(def.gid(), def.type().wire(), TransStatus.PREPARED,
                DefinitionCodec.encode(def), ProgressCodec.encode(SagaProgress.initial(def.size()).releasedAt(1)),
                null, now + timeout, now);
        Optional<TransactionRecord> existing = store.insertIfAbsent(fresh);
        if (existing.isPresent()) {
            def.kind().resent(resentTo(existing.get(), def), def);
            if (existing.get().status() != TransStatus.PREPARED) {
                throw new CommandRefusedException(CommandRefusedException.Reason.CONFLICT, "transaction " + def.gid()
                        + " is already " + existing.get().status().wire() + "; it cannot be prepared again");
            }
        }
    }

    /** See {@link SagaEngine#abort}. */
    void abort(String gid, String reason, boolean operator) {
        String why = reason == null || reason.isBlank() ? "aborted by request" : reason;
        onStored(gid, () -> keptChanging(gid, "try the abort again"), r -> {
            TransType type = TransType.fromWire(r.transType());
            TransactionKind kind = TransactionKinds.of(type == null ? TransType.SAGA : type);
            return switch (r.status()) {
                case ABORTING, FAILED -> DONE;
                case SUCCEEDED -> throw new CommandRefusedException(CommandRefusedException.Reason.CONFLICT,
                        "transaction " + gid + " already succeeded; it cannot be aborted");
                case PREPARED -> {
                    if (kind.registersBranches()) {
                        // the client called tries: cancel every registered branch
                        Transaction t = load(r);
                        yield startAborting(t, t.progress(), why) ? DONE : Optional.empty();
                    }
                    // nothing ran: a prepared saga or message just fails
                    yield store.compareAndSet(r.next(TransStatus.FAILED, r.progress(), null, null, clock.millis(),
                            reason == null || reason.isBlank() ? "aborted before submit" : reason))
                            ? DONE : Optional.empty();
                }
                case SUBMITTED -> {
                    String refusal = kind.submittedAbortRefusal(gid);
                    if (refusal != null) {
                        throw new CommandRefusedException(CommandRefusedException.Reason.CONFLICT, refusal);
                    }
                    if (!operator) {
                        throw new CommandRefusedException(CommandRefusedException.Reason.CONFLICT, "saga " + gid
                                + " is submitted: stopping a running saga is an operator's action, with a token of "
                                + "the admin scope (DTM refuses it)");
                    }
                    // the effects of whoever drove it so far are unknown here: compensate every step
                    Transaction t = load(r);
                    long now = clock.millis();
                    if (r.owner() != null && r.nextDueAt() != null && r.nextDueAt() > now) {
                        // held: a call may be in flight until the holder's lease ends (every call's deadline lies
                        // within it). The write fences the holder now; the compensations wait for the lease.
                        yield abortWhenDue(t, t.progress().asUncertain(), why, r.nextDueAt()) ? DONE
                                : Optional.empty();
                    }
                    yield startAborting(t, t.progress().asUncertain(), why) ? DONE : Optional.empty();
                }
            };
        });
    }

    /**
     * Stores {@code t} as aborting, held by this instance — which fences off whoever drives it now — and drives its
     * compensations if a drive permit comes free (else recovery does once the lease ends).
     *
     * @return false if someone else wrote it first
     */
    private boolean startAborting(Transaction t, SagaProgress progress, String why) {
        SagaProgress p = progress.held();
        long now = clock.millis();
        TransactionRecord aborting = t.record().next(TransStatus.ABORTING, ProgressCodec.encode(p), owner,
                now + leaseMs.apply(t.definition()), now, why);
        if (!store.compareAndSet(aborting)) {
            return false;
        }
        if (slots.reserve()) {
            slots.start(new Transaction(aborting, t.definition(), p));
        }
        return true;
    }

    /**
     * Moves {@code t} to aborting, released, due at {@code dueAt}: recovery (of whichever instance) compensates it
     * then. The write moves the version, so its holder's next write fails and it stops.
     */
    private boolean abortWhenDue(Transaction t, SagaProgress progress, String why, long dueAt) {
        TransactionRecord r = t.record();
        TransactionRecord aborting = r.next(TransStatus.ABORTING,
                ProgressCodec.encode(progress.releasedAt(r.version() + 1)), null, dueAt, clock.millis(), why);
        return store.compareAndSet(aborting);
    }

    /** See {@link SagaEngine#forceStop}. */
    void forceStop(String gid) {
        onStored(gid, () -> keptChanging(gid, "try forceStop again"), r -> {
            if (r.status().isTerminal()) {
                throw new CommandRefusedException(CommandRefusedException.Reason.CONFLICT, "transaction " + gid
                        + " is already " + r.status().wire());
            }
            return store.compareAndSet(r.next(TransStatus.FAILED, r.progress(), null, null, clock.millis(),
                    "stopped by forceStop" + (r.reason() == null ? "" : " (was: " + r.reason() + ")")))
                    ? DONE : Optional.empty();
        });
    }

    /** See {@link SagaEngine#retryNow}. */
    boolean retryNow(String gid) {
        return onStored(gid, () -> keptChanging(gid, "try resetNextCronTime again"), r -> {
            long now = clock.millis();
            if (r.status().isTerminal()) {
                return Optional.of(false); // as DTM: nothing to retry, and no error
            }
            if (r.owner() != null && r.nextDueAt() != null && r.nextDueAt() > now) {
                return Optional.of(false);
            }
            // released, or its holder's lease is over: written as released, so its next claim is not an orphan's
            SagaProgress p = ProgressCodec.decode(r.progress()).retryNow().releasedAt(r.version() + 1);
            TransactionRecord due = r.next(r.status(), ProgressCodec.encode(p), null, now, now, r.reason());
            return store.compareAndSet(due) ? Optional.of(true) : Optional.empty();
        });
    }

    /**
     * Runs {@code attempt} on the transaction as stored now until it answers, at most {@value #MAX_CAS_TRIES} times:
     * an attempt answers empty when another writer changed the transaction between its read and its write.
     *
     * @throws CommandRefusedException NOT_FOUND, or {@code keptChanging} once the tries are spent
     */
    <T> T onStored(String gid, Supplier<CommandRefusedException> keptChanging,
            Function<TransactionRecord, Optional<T>> attempt) {
        return onStored(gid, MAX_CAS_TRIES, keptChanging, attempt);
    }

    /** {@link #onStored(String, Supplier, Function)} with {@code tries} tries. */
    <T> T onStored(String gid, int tries, Supplier<CommandRefusedException> keptChanging,
            Function<TransactionRecord, Optional<T>> attempt) {
        for (int i = 0; i < tries; i++) {
            Optional<T> answer = attempt.apply(find(gid));
            if (answer.isPresent()) {
                return answer.get();
            }
        }
        throw keptChanging.get();
    }

    private static void requireResolved(SagaDefinition def) {
        if (def.namesTopics()) {
            throw new IllegalArgumentException("transaction " + def.gid() + " still names topics: resolve their "
                    + "subscribers (SagaDefinition.withSubscribers) before it is stored");
        }
    }

    private static CommandRefusedException keptChanging(String gid, String fix) {
        return new CommandRefusedException(CommandRefusedException.Reason.CONFLICT, "transaction " + gid
                + " kept changing; " + fix);
    }

    private TransactionRecord find(String gid) {
        return store.find(gid).orElseThrow(() -> new CommandRefusedException(CommandRefusedException.Reason.NOT_FOUND,
                "no transaction with gid " + gid));
    }

    /** Drives {@code t}, for which a permit is taken; with {@code wait}, until the drive ends. */
    private SubmitResult driveFor(Transaction t, boolean wait) {
        CompletableFuture<DriveListener.DriveResult> drive = slots.start(t);
        if (!wait) {
            return SubmitResult.ACCEPTED;
        }
        DriveListener.DriveResult result = drive.join();
        return switch (result.end()) {
            case FINISHED -> resultOf(result.status(), true);
            // someone else moved it (an abort, another instance), or the store failed mid-drive: it is stored,
            // so whatever happens next it runs on — say what it is now, or that it is still running
            case LOST -> {
                try {
                    yield resultOf(find(t.record().gid()).status(), true);
                } catch (StoreException e) {
                    yield SubmitResult.ONGOING;
                }
            }
            case WAITING, HANDED_BACK -> SubmitResult.ONGOING;
        };
    }

    private static SubmitResult resultOf(TransStatus status, boolean wait) {
        if (!wait) {
            return SubmitResult.ACCEPTED;
        }
        return switch (status) {
            case SUCCEEDED -> SubmitResult.SUCCEEDED;
            case FAILED -> SubmitResult.FAILED;
            default -> SubmitResult.ONGOING;
        };
    }

    /**
     * The stored definition of the transaction under a gid that {@code sent} also names, if it is of the same type
     * and still stored; the type's kind then says whether {@code sent} is the same transaction.
     *
     * @throws CommandRefusedException GID_TAKEN when the gid ran once and was removed, or names another type
     */
    private SagaDefinition resentTo(TransactionRecord stored, SagaDefinition sent) {
        if (stored.isRemoved()) {
            throw new CommandRefusedException(CommandRefusedException.Reason.GID_TAKEN, "gid " + stored.gid()
                    + " was used by a transaction that ended " + stored.status().wire() + " and was removed after the "
                    + "store's retention; a gid runs once: use a new gid (GET /api/dtmsvr/newGid) for a new saga");
        }
        if (sent.type().wire().equals(stored.transType())) {
            try {
                return definitionOf(stored);
            } catch (RuntimeException unreadable) {
                log.warn("the stored definition of {} cannot be read back; a transaction sent under its gid is "
                        + "refused: {}", stored.gid(), unreadable.toString());
            }
        }
        throw CommandRefusedException.differentTransaction(stored.gid());
    }

    SagaDefinition definitionOf(TransactionRecord r) {
        return DefinitionCodec.decode(r.definition(), options);
    }

    Transaction load(TransactionRecord r) {
        return Transaction.of(r, definitionOf(r));
    }
}
