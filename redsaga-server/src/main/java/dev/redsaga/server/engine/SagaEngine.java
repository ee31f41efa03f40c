package dev.redsaga.server.engine;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.protocol.TransType;
import dev.redsaga.server.engine.DriveListener.DriveEnd;
import dev.redsaga.server.engine.kind.TransactionKind;
import dev.redsaga.server.engine.kind.TransactionKinds;
import dev.redsaga.server.store.StoreException;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine of one coordinator instance: drives the transactions it holds, takes back its own waiting
 * transactions when their retry time comes, and recovers due transactions of any instance (crashed or not)
 * in batches, driving them in parallel up to {@link EngineOptions#maxConcurrentDrives()}.
 *
 * <p>It starts no threads and reads no clock of its own: it is given a clock and an {@link EngineScheduler} (timers,
 * the recovery loop, the drives' events; virtual threads in production, one simulated thread in the simulator).
 */
public final class SagaEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SagaEngine.class);
    /** How often the store's retention is applied; several instances may sweep, each removal is atomic. */
    private static final long SWEEP_INTERVAL_MS = 60_000;
    /** What a pass may take beyond its interval before its loop counts as stopped: the store's timeouts and more. */
    private static final long LOOP_SLACK_MS = 30_000;
    private static final int MAX_CAS_TRIES = 8;
    /** Registrations of one transaction take turns on this instance; other writers are rarer, and retried more. */
    private static final int MAX_REGISTER_TRIES = 64;
    private final Lock[] registrationTurns = newLocks(64);

    private final TransactionStore store;
    private final EngineOptions options;
    private final InstantSource clock;
    private final EngineScheduler scheduler;
    private final String owner;
    private final SagaDriver driver;
    private final Semaphore drivePermits;
    private final Admission admission;
    private final AtomicInteger drivesRunning = new AtomicInteger();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile boolean stopping;
    private volatile EngineScheduler.Timer recoveryTimer;
    private volatile EngineScheduler.Timer sweepTimer;
    /** When each background loop last began a pass ({@link #backgroundLoopsRunning}); -1 before the start. */
    private volatile long recoveryPassAt = -1;
    private volatile long sweepPassAt = -1;

    public SagaEngine(TransactionStore store, BranchTransport transport, EngineOptions options, InstantSource clock,
            RandomGenerator random, EngineScheduler scheduler, String owner, DriveListener listener) {
        this(store, transport, options, clock, random, scheduler, owner, listener, UnaryOperator.identity());
    }

    /**
     * @param planning wraps the machine's plans before the drives ask them: identity in the server; the simulator
     *                 wraps them with the known engine bugs it must find
     */
    public SagaEngine(TransactionStore store, BranchTransport transport, EngineOptions options, InstantSource clock,
            RandomGenerator random, EngineScheduler scheduler, String owner, DriveListener listener,
            UnaryOperator<Planner> planning) {
        this.store = store;
        this.options = options;
        this.clock = clock;
        this.scheduler = scheduler;
        this.owner = owner;
        this.drivePermits = new Semaphore(options.maxConcurrentDrives());
        this.admission = new Admission(options.maxConcurrentDrives());
        SagaMachine machine = new SagaMachine(new Backoff(options.retryCapMs(), random), options.preparedLifetimeMs());
        this.driver = new SagaDriver(store, transport, machine, planning.apply(machine), clock, scheduler, options,
                owner, new SagaDriver.Hooks() {
            @Override
            public void wakeAt(long dueAt, TransactionRecord released) {
                admission.released(released.gid(), dueAt, clock.millis());
                scheduleWakeup(dueAt, released);
            }

            @Override
            public void ended(String gid, TransStatus status, DriveEnd end) {
                admission.driveEnded(gid, end);
                listener.driveEnded(gid, status, end);
            }
        });
    }

    public String owner() {
        return owner;
    }

    public EngineOptions options() {
        return options;
    }

    /** Starts the recovery loop and the store's retention sweep. */
    public void start() {
        recoveryPassAt = sweepPassAt = clock.millis();
        recoveryTimer = scheduler.schedule(0, this::recoveryLoop);
        sweepTimer = scheduler.schedule(SWEEP_INTERVAL_MS, this::sweepLoop);
    }

    // Each loop schedules its next pass in a finally: whatever a pass throws (an Error too), the loop goes on. A
    // loop that stops all the same (its scheduler refused the next pass) shows in backgroundLoopsRunning, which the
    // readiness probe reads, so that a supervisor replaces the instance instead of it staying up half-broken.

    private void recoveryLoop() {
        if (stopping) {
            return;
        }
        recoveryPassAt = clock.millis();
        try {
            recoverDue();
        } finally {
            if (!stopping) {
                recoveryTimer = scheduler.schedule(options.pollIntervalMs(), this::recoveryLoop);
            }
        }
    }

    private void sweepLoop() {
        if (stopping) {
            return;
        }
        sweepPassAt = clock.millis();
        try {
            sweep();
        } finally {
            if (!stopping) {
                sweepTimer = scheduler.schedule(SWEEP_INTERVAL_MS, this::sweepLoop);
            }
        }
    }

    /**
     * Whether the recovery loop and the retention sweep still run: each began a pass within a few of its intervals
     * (a pass may wait on the store up to its timeouts). False before {@link #start} and after {@link #stop}.
     */
    public boolean backgroundLoopsRunning() {
        long now = clock.millis();
        return !stopping && recoveryPassAt >= 0
                && now - recoveryPassAt <= 3 * options.pollIntervalMs() + LOOP_SLACK_MS
                && now - sweepPassAt <= 3 * SWEEP_INTERVAL_MS + LOOP_SLACK_MS;
    }

    /** Applies the store's retention (finished transactions past it go; their gids stay taken). */
    private void sweep() {
        if (stopping) {
            return;
        }
        try {
            int removed = store.sweep(clock.millis());
            if (removed > 0) {
                log.info("removed {} transactions finished longer ago than the store's retention", removed);
            }
        } catch (StoreException e) {
            log.warn("could not apply the store's retention: {}", e.getMessage());
        } catch (RuntimeException e) {
            log.error("retention sweep failed", e);
        }
    }

    // --- commands: what a client asks of a transaction ---

    /**
     * Stores a submitted saga and drives it. The answer comes only after
     * the store acknowledged it, so an acknowledged submit survives any crash. The same gid with the same body is
     * accepted again without running twice; a prepared saga with the same body starts.
     *
     * @param wait whether to wait for the first drive to end and say how it ended
     * @throws CommandRefusedException GID_TAKEN when the gid names another transaction
     */
    public SubmitResult submit(SagaDefinition def, boolean wait) {
        String definition = DefinitionCodec.encode(def);
        Admission.Entry place = enter(def.gid());
        boolean driving = false;
        try {
            long now = clock.millis();
            TransactionRecord fresh = new TransactionRecord(def.gid(), def.type().wire(), TransStatus.SUBMITTED,
                    definition, ProgressCodec.encode(SagaProgress.initial(def.size())), 1, owner, now + leaseMs(def),
                    now, now, null, null);
            Optional<TransactionRecord> existing = store.insertIfAbsent(fresh);
            if (existing.isEmpty()) {
                driving = true;
                return driveFor(new Transaction(fresh, def, SagaProgress.initial(def.size())), wait);
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
                        now + leaseMs(run), now, null);
                // a message's submit brings its options: what runs is stored
                TransactionRecord submitted = DefinitionCodec.sameButForTrace(storedDef, run) ? next
                        : next.withDefinition(DefinitionCodec.encode(run));
                if (store.compareAndSet(submitted)) {
                    driving = true;
                    return driveFor(load(submitted, run), wait);
                }
                stored = store.find(def.gid()).orElseThrow();
            }
            return resultOf(stored.status(), wait);
        } finally {
            if (!driving) {
                giveBack(def.gid(), place);
            }
        }
    }

    /**
     * A place among the open sagas and a drive permit: a transaction is stored (or submitted) only if it can be
     * driven at once, never stored and left waiting. The caller gives both back unless a drive starts.
     *
     * @throws CommandRefusedException BUSY when none came free within {@code permitWaitMs}
     */
    private Admission.Entry enter(String gid) {
        Admission.Entry place = admission.enter(gid, options.permitWaitMs());
        if (place == Admission.Entry.REFUSED || !reservePermit()) {
            if (place == Admission.Entry.TAKEN) {
                admission.leave(gid);
            }
            throw new CommandRefusedException(CommandRefusedException.Reason.BUSY, "this coordinator has "
                    + options.maxConcurrentDrives() + " sagas open already and none ended within "
                    + options.permitWaitMs() + " ms; nothing was stored: send it again shortly (same gid)");
        }
        return place;
    }

    /** Gives back what {@link #enter} took, when no drive started. */
    private void giveBack(String gid, Admission.Entry place) {
        drivePermits.release();
        if (place == Admission.Entry.TAKEN) {
            admission.leave(gid);
        }
    }

    /**
     * Submits a prepared TCC transaction: it confirms every registered branch. A submitted or ended one answers
     * as it stands (a submit sent again); an aborting or failed one cannot be submitted.
     *
     * @throws CommandRefusedException NOT_FOUND, GID_TAKEN for a saga's gid, CONFLICT once it is aborting or failed
     */
    public SubmitResult submitPrepared(String gid, boolean wait) {
        Admission.Entry place = enter(gid);
        boolean driving = false;
        try {
            for (int i = 0; i < MAX_CAS_TRIES; i++) {
                TransactionRecord r = find(gid);
                SagaDefinition def = definitionOf(r);
                if (!def.kind().registersBranches()) {
                    throw new CommandRefusedException(CommandRefusedException.Reason.GID_TAKEN, "transaction " + gid
                            + " is a " + def.type().wire() + ", not a tcc or xa transaction");
                }
                switch (r.status()) {
                    case SUBMITTED, SUCCEEDED -> {
                        return resultOf(r.status(), wait);
                    }
                    case ABORTING, FAILED -> throw new CommandRefusedException(
                            CommandRefusedException.Reason.CONFLICT, "transaction " + gid + " is "
                            + r.status().wire() + " (" + r.reason() + "); it cannot be submitted");
                    case PREPARED -> {
                        long now = clock.millis();
                        TransactionRecord submitted = r.next(TransStatus.SUBMITTED, r.progress(), owner,
                                now + leaseMs(def), now, null);
                        if (store.compareAndSet(submitted)) {
                            driving = true;
                            return driveFor(load(submitted, def), wait);
                        }
                    }
                }
            }
            throw new CommandRefusedException(CommandRefusedException.Reason.CONFLICT, "transaction " + gid
                    + " kept changing; send the submit again");
        } finally {
            if (!driving) {
                giveBack(gid, place);
            }
        }
    }

    /**
     * Registers a branch of a prepared TCC transaction (its confirm and cancel URLs and its data, before the client
     * calls its try) or XA transaction (its one URL, as {@code confirm} and {@code cancel}, once its XA transaction is
     * prepared). Registering the same branch again changes nothing.
     *
     * @param maxChars the most the transaction's stored definition may hold with this branch
     * @throws CommandRefusedException NOT_FOUND; CONFLICT unless it is a prepared TCC transaction
     * @throws InvalidTransactionException for a bad branch (URL, id, one too many, an id with other URLs, too big)
     */
    public void registerBranch(String gid, String branchId, String confirm, String cancel, String data,
            int maxChars) {
        // Registrations of one transaction take turns here (a fan-out registers its branches at once): each is one
        // read and one compare-and-set, and only a write by another instance or the engine can make it try again.
        Lock turn = registrationTurns[Math.floorMod(gid.hashCode(), registrationTurns.length)];
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
            registerBranchInTurn(gid, branchId, confirm, cancel, data, maxChars);
        } finally {
            turn.unlock();
        }
    }

    private void registerBranchInTurn(String gid, String branchId, String confirm, String cancel, String data,
            int maxChars) {
        for (int i = 0; i < MAX_REGISTER_TRIES; i++) {
            TransactionRecord r = find(gid);
            SagaDefinition def = definitionOf(r);
            if (!def.kind().registersBranches() || r.status() != TransStatus.PREPARED) {
                // DTM's words: its clients show them
                throw new CommandRefusedException(CommandRefusedException.Reason.CONFLICT, "no trans with gid: "
                        + gid + " status: prepared found (it is a " + def.type().wire() + ", " + r.status().wire()
                        + "); branches are registered while a tcc or xa transaction is prepared");
            }
            SagaDefinition more = def.withBranch(branchId, confirm, cancel, data);
            if (more == def) {
                return;
            }
            String definition = DefinitionCodec.encode(more);
            if (definition.length() > maxChars) {
                throw new InvalidTransactionException(def.type().wire() + " transaction " + gid + " would hold "
                        + definition.length()
                        + " characters of branches with branch " + branchId + "; at most " + maxChars
                        + " (the server's --max-request-bytes): keep each branch's data small");
            }
            // nobody holds a prepared transaction: written as released, or the next claim would take it for orphaned
            SagaProgress grown = ProgressCodec.decode(r.progress()).withStep().releasedAt(r.version() + 1);
            TransactionRecord next = new TransactionRecord(r.gid(), r.transType(), r.status(),
                    definition, ProgressCodec.encode(grown), r.version() + 1, r.owner(),
                    r.nextDueAt(), r.createdAt(), clock.millis(), r.finishedAt(), r.reason());
            if (store.compareAndSet(next)) {
                return;
            }
        }
        // contention is no business failure (409 would abort the transaction at DTM's clients): retryable, 503
        throw new CommandRefusedException(CommandRefusedException.Reason.BUSY, "transaction " + gid
                + " kept changing under other writers; nothing was done: register the branch again");
    }

    private static Lock[] newLocks(int n) {
        Lock[] locks = new Lock[n];
        for (int i = 0; i < n; i++) {
            locks[i] = new ReentrantLock();
        }
        return locks;
    }

    /** Takes a drive permit, waiting at most {@code permitWaitMs}; false if none came free. */
    private boolean reservePermit() {
        try {
            return drivePermits.tryAcquire(options.permitWaitMs(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Stores a saga as {@code prepared}: it runs only once submitted, and fails after its {@code timeout_to_fail}.
     *
     * @throws CommandRefusedException GID_TAKEN for another transaction's gid, CONFLICT when it is past prepared
     */
    public void prepare(SagaDefinition def) {
        String definition = DefinitionCodec.encode(def);
        long now = clock.millis();
        // a prepared saga whose submit never comes fails after its timeout_to_fail, or the server's lifetime
        long timeout = def.options().timeoutToFailMs() > 0 ? def.options().timeoutToFailMs()
                : options.preparedLifetimeMs();
        TransactionRecord fresh = new TransactionRecord(def.gid(), def.type().wire(), TransStatus.PREPARED,
                definition, ProgressCodec.encode(SagaProgress.initial(def.size()).releasedAt(1)), 1, null,
                now + timeout, now, now, null, null);
        Optional<TransactionRecord> existing = store.insertIfAbsent(fresh);
        if (existing.isPresent()) {
            def.kind().resent(resentTo(existing.get(), def), def);
            if (existing.get().status() != TransStatus.PREPARED) {
                throw new CommandRefusedException(CommandRefusedException.Reason.CONFLICT, "transaction " + def.gid()
                        + " is already " + existing.get().status().wire() + "; it cannot be prepared again");
            }
        }
    }

    /**
     * Aborts a transaction: a prepared saga fails at once (nothing ran); a submitted one moves to aborting — which
     * fences off whoever drives it now — and is compensated at once if nobody held it, else once the holder's lease
     * ended (a call it sent may be in flight until then). A prepared TCC transaction moves to aborting and
     * every registered branch is cancelled (the client called their tries); a submitted one confirms and cannot be
     * aborted (DTM's rule). Aborting an aborting or failed one is a no-op.
     *
     * @param reason   the caller's {@code rollback_reason}, or {@code null}
     * @param operator whether the caller may stop a submitted saga (DTM refuses that to everyone; here it is an
     *                 operator's action)
     * @throws CommandRefusedException NOT_FOUND, or CONFLICT for a succeeded one (or one that kept changing), or a
     *                                 submitted saga and a caller who is no operator
     */
    public void abort(String gid, String reason, boolean operator) {
        String why = reason == null || reason.isBlank() ? "aborted by request" : reason;
        for (int i = 0; i < MAX_CAS_TRIES; i++) {
            TransactionRecord r = find(gid);
            TransType type = TransType.fromWire(r.transType());
            TransactionKind kind = TransactionKinds.of(type == null ? TransType.SAGA : type);
            switch (r.status()) {
                case ABORTING, FAILED -> {
                    return;
                }
                case SUCCEEDED -> throw new CommandRefusedException(CommandRefusedException.Reason.CONFLICT,
                        "transaction " + gid + " already succeeded; it cannot be aborted");
                case PREPARED -> {
                    if (kind.registersBranches()) {
                        // the client called tries: cancel every registered branch
                        Transaction t = load(r);
                        if (startAborting(t, t.progress(), why)) {
                            return;
                        }
                    } else if (store.compareAndSet(r.next(TransStatus.FAILED, r.progress(), null, null,
                            clock.millis(), reason == null || reason.isBlank() ? "aborted before submit" : reason))) {
                        return; // nothing ran: a prepared saga or message just fails
                    }
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
                        if (abortWhenDue(t, t.progress().asUncertain(), why, r.nextDueAt())) {
                            return;
                        }
                    } else if (startAborting(t, t.progress().asUncertain(), why)) {
                        return;
                    }
                }
            }
        }
        throw new CommandRefusedException(CommandRefusedException.Reason.CONFLICT, "transaction " + gid
                + " kept changing; try the abort again");
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
                now + leaseMs(t.definition()), now, why);
        if (!store.compareAndSet(aborting)) {
            return false;
        }
        if (reservePermit()) {
            startDrive(new Transaction(aborting, t.definition(), p));
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

    /**
     * Stops a transaction where it is and marks it failed, without calling any branch: the operator's last resort
     * for a saga whose compensation can never succeed.
     *
     * @throws CommandRefusedException NOT_FOUND, or CONFLICT when it already ended (or kept changing)
     */
    public void forceStop(String gid) {
        for (int i = 0; i < MAX_CAS_TRIES; i++) {
            TransactionRecord r = find(gid);
            if (r.status().isTerminal()) {
                throw new CommandRefusedException(CommandRefusedException.Reason.CONFLICT, "transaction " + gid
                        + " is already " + r.status().wire());
            }
            if (store.compareAndSet(r.next(TransStatus.FAILED, r.progress(), null, null, clock.millis(),
                    "stopped by forceStop" + (r.reason() == null ? "" : " (was: " + r.reason() + ")")))) {
                return;
            }
        }
        throw new CommandRefusedException(CommandRefusedException.Reason.CONFLICT, "transaction " + gid
                + " kept changing; try forceStop again");
    }

    /**
     * An operator's "retry now" (DTM's {@code resetNextCronTime}): a transaction waiting out a retry backoff is due
     * at once, every branch's backoff forgotten; recovery (here or on another instance) drives it within its poll
     * interval. One held by a live drive is left alone: it is being driven this moment.
     *
     * @return whether it was made due now
     * @throws CommandRefusedException NOT_FOUND, or CONFLICT when it already ended (or kept changing)
     */
    public boolean retryNow(String gid) {
        for (int i = 0; i < MAX_CAS_TRIES; i++) {
            TransactionRecord r = find(gid);
            long now = clock.millis();
            if (r.status().isTerminal()) {
                throw new CommandRefusedException(CommandRefusedException.Reason.CONFLICT, "transaction " + gid
                        + " is already " + r.status().wire() + "; there is nothing to retry");
            }
            if (r.owner() != null && r.nextDueAt() != null && r.nextDueAt() > now) {
                return false;
            }
            // released, or its holder's lease is over: written as released, so its next claim is not an orphan's
            SagaProgress p = ProgressCodec.decode(r.progress()).retryNow().releasedAt(r.version() + 1);
            TransactionRecord due = r.next(r.status(), ProgressCodec.encode(p), null, now, now, r.reason());
            if (store.compareAndSet(due)) {
                return true;
            }
        }
        throw new CommandRefusedException(CommandRefusedException.Reason.CONFLICT, "transaction " + gid
                + " kept changing; try resetNextCronTime again");
    }

    private TransactionRecord find(String gid) {
        return store.find(gid).orElseThrow(() -> new CommandRefusedException(CommandRefusedException.Reason.NOT_FOUND,
                "no transaction with gid " + gid));
    }

    /** Drives {@code t}, for which a permit is taken; with {@code wait}, until the drive ends. */
    private SubmitResult driveFor(Transaction t, boolean wait) {
        CompletableFuture<DriveListener.DriveResult> drive = startDrive(t);
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
        SagaDefinition storedDef = null;
        if (sent.type().wire().equals(stored.transType())) {
            try {
                storedDef = definitionOf(stored);
            } catch (RuntimeException unreadable) {
                log.warn("the stored definition of {} cannot be read back; a transaction sent under its gid is "
                        + "refused: {}", stored.gid(), unreadable.toString());
            }
        }
        if (storedDef == null) {
            throw CommandRefusedException.differentTransaction(stored.gid());
        }
        return storedDef;
    }

    // --- the runtime ---

    /** The definition of a stored transaction, as it was stored (not validated again). */
    public SagaDefinition definitionOf(TransactionRecord r) {
        return DefinitionCodec.decode(r.definition(), options);
    }

    /** Reads a stored transaction back, detecting whether an owner died holding it (see {@link SagaProgress}). */
    public Transaction load(TransactionRecord r) {
        return load(r, definitionOf(r));
    }

    /** {@link #load(TransactionRecord)}, the definition read already. */
    private Transaction load(TransactionRecord r, SagaDefinition def) {
        SagaProgress p = ProgressCodec.decode(r.progress());
        if (p.releasedAt() != r.version() - 1) {
            p = p.asUncertain();
        }
        return new Transaction(r, def, p);
    }

    /** The one lease rule: how long an instance holds {@code def} before others may claim it. */
    long leaseMs(SagaDefinition def) {
        return driver.leaseMs(def);
    }

    /** Starts a drive for which a permit is already taken; the permit is given back when it ends. */
    private CompletableFuture<DriveListener.DriveResult> startDrive(Transaction t) {
        drivesRunning.incrementAndGet();
        CompletableFuture<DriveListener.DriveResult> result;
        try {
            result = driver.drive(t);
        } catch (RuntimeException e) {
            driveEnded();
            admission.leave(t.record().gid()); // no drive, so no drive end to give its place back
            throw e;
        }
        result.whenComplete((r, e) -> driveEnded());
        return result;
    }

    private void driveEnded() {
        drivePermits.release();
        if (drivesRunning.decrementAndGet() == 0 && stopping) {
            stopped.complete(null);
        }
    }

    private void scheduleWakeup(long dueAt, TransactionRecord released) {
        if (stopping) {
            return;
        }
        scheduler.schedule(dueAt - clock.millis(), () -> takeBack(released));
    }

    /** Claims a transaction this instance released to wait, if nobody changed it since. */
    private void takeBack(TransactionRecord released) {
        if (stopping) {
            admission.leave(released.gid());
            return;
        }
        if (!drivePermits.tryAcquire()) {
            // no drive free this moment (the one it just ended may not be given back yet): try again shortly, the
            // saga keeping its place at the door; if recovery takes it meanwhile, the claim below fails and frees it
            scheduler.schedule(options.pollIntervalMs(), () -> takeBack(released));
            return;
        }
        Transaction t = null;
        try {
            long now = clock.millis();
            TransactionRecord claimed = released.next(released.status(), released.progress(), owner,
                    now + options.leaseMs(), now, released.reason());
            if (store.compareAndSet(claimed)) {
                t = load(claimed);
            } // else recovery (here or elsewhere) or an operator got it first
        } catch (StoreException e) {
            log.warn("could not take back {} after its retry wait; recovery will: {}", released.gid(), e.getMessage());
        } catch (RuntimeException e) {
            log.error("could not take back {} after its retry wait; recovery will", released.gid(), e);
        }
        if (t == null) {
            drivePermits.release();
            admission.leave(released.gid());
        } else {
            startDrive(t);
        }
    }

    /**
     * One recovery pass: claim due transactions in batches while there are permits, drive each. The permits are
     * taken before the claim, never waited for: this is a timer task, and a timer task that waits stalls the
     * scheduler (in the simulator, the one thread everything runs on).
     */
    private void recoverDue() {
        if (stopping) {
            return;
        }
        try {
            while (!stopping) {
                int room = reservePermits(options.claimBatch());
                if (room == 0) {
                    return;
                }
                List<TransactionRecord> claimed = null;
                try {
                    long now = clock.millis();
                    claimed = store.claimDue(now, owner, now + options.leaseMs(), room);
                } finally {
                    if (claimed == null) { // whatever was thrown, an Error too: the permits must come back
                        drivePermits.release(room);
                    }
                }
                drivePermits.release(room - claimed.size());
                int orphaned = 0;
                for (TransactionRecord r : claimed) {
                    Transaction t;
                    try {
                        t = load(r);
                    } catch (RuntimeException e) {
                        drivePermits.release();
                        log.error("transaction {} cannot be read back; it stays in the store for an operator", r.gid(), e);
                        continue;
                    }
                    if (t.progress().uncertain() && r.status() != TransStatus.PREPARED) {
                        orphaned++;
                        log.debug("recovering {} ({}): its previous holder stopped without handing it back",
                                r.gid(), r.status().wire());
                    }
                    startDrive(t);
                }
                if (orphaned > 0) {
                    log.info("recovering {} transactions whose previous holder stopped without handing them back",
                            orphaned);
                }
                if (claimed.size() < room) {
                    return;
                }
            }
        } catch (StoreException e) {
            log.warn("recovery could not claim due transactions: {}", e.getMessage());
        } catch (RuntimeException e) {
            log.error("recovery pass failed", e);
        }
    }

    /** Takes up to {@code wanted} drive permits without waiting; returns how many it took. */
    private int reservePermits(int wanted) {
        int n = Math.min(wanted, drivePermits.availablePermits());
        while (n > 0 && !drivePermits.tryAcquire(n)) {
            n = Math.min(n - 1, drivePermits.availablePermits());
        }
        return Math.max(n, 0);
    }

    /** Transactions submitted here and not yet ended: the places taken at this instance's door. */
    public int openSagas() {
        return admission.held();
    }

    /** Transactions being driven by this instance right now. */
    public int drivesRunning() {
        return drivesRunning.get();
    }

    /**
     * Stops taking new work and hands back what is in flight: each drive waits for its calls in flight, stores its
     * progress due now, and stops.
     *
     * @return completes once no drive runs any more
     */
    public CompletableFuture<Void> beginStop() {
        stopping = true;
        EngineScheduler.Timer r = recoveryTimer;
        EngineScheduler.Timer w = sweepTimer;
        if (r != null) {
            r.cancel();
        }
        if (w != null) {
            w.cancel();
        }
        driver.stop();
        if (drivesRunning.get() == 0) {
            stopped.complete(null);
        }
        return stopped;
    }

    /** {@link #beginStop()}, waiting up to {@code grace} for the drives to hand their transactions back. */
    public void stop(Duration grace) {
        try {
            beginStop().get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("{} drives still running after {} ms; their leases will expire and recovery takes them over",
                    drivesRunning.get(), grace.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("stopping failed", e.getCause());
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }
}
