package dev.redsaga.server.engine;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.engine.DriveListener.DriveEnd;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine of one coordinator instance, and its one entry point: drives the transactions it holds, takes back its
 * own waiting transactions when their retry time comes, and recovers due transactions of any instance (crashed or
 * not) in batches, driving them in parallel up to {@link EngineOptions#maxConcurrentDrives()}.
 *
 * <p>Its parts: {@link TransactionCommands} and {@link BranchRegistrations} (what clients ask), {@link SagaDriver}
 * (a drive per transaction, carrying out the {@link SagaMachine}'s plans), {@link Recovery} (the background loops) and
 * {@link DriveSlots} (how much runs at once). It starts no threads and reads no clock of its own: it is given a clock
 * and an {@link EngineScheduler} (timers, the recovery loop, the drives' events; virtual threads in production, one
 * simulated thread in the simulator).
 */
public final class SagaEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SagaEngine.class);

    private final EngineOptions options;
    private final String owner;
    private final SagaDriver driver;
    private final DriveSlots slots;
    private final Recovery recovery;
    private final TransactionCommands commands;
    private final BranchRegistrations registrations;

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
        this.options = options;
        this.owner = owner;
        SagaMachine machine = new SagaMachine(new Backoff(options.retryCapMs(), random), options.preparedLifetimeMs());
        // the hooks run once drives run, after this constructor
        this.driver = new SagaDriver(store, transport, machine, planning.apply(machine), clock, scheduler, options,
                owner, new SagaDriver.Hooks() {
            @Override
            public void wakeAt(long dueAt, TransactionRecord released) {
                slots.released(released.gid(), dueAt, clock.millis());
                recovery.wakeAt(dueAt, released);
            }

            @Override
            public void ended(String gid, TransStatus status, DriveEnd end) {
                slots.driveEnded(gid, end);
                listener.driveEnded(gid, status, end);
            }
        });
        this.slots = new DriveSlots(options, driver::drive);
        this.commands = new TransactionCommands(store, options, clock, owner, slots, driver::leaseMs);
        this.registrations = new BranchRegistrations(store, options, clock, commands);
        this.recovery = new Recovery(store, options, clock, scheduler, owner, slots, commands::load);
    }

    public String owner() {
        return owner;
    }

    public EngineOptions options() {
        return options;
    }

    /** Starts the recovery loop and the store's retention sweep. */
    public void start() {
        recovery.start();
    }

    /**
     * Whether the recovery loop and the retention sweep still run: each began a pass within a few of its intervals
     * (a pass may wait on the store up to its timeouts). False before {@link #start} and after {@link #stop}.
     */
    public boolean backgroundLoopsRunning() {
        return recovery.running();
    }

    // --- commands: what a client asks of a transaction ---

    /**
     * Stores a submitted saga (or message) and drives it. The answer comes only after the store acknowledged it, so
     * an acknowledged submit survives any crash. The same gid with the same body is accepted again without running
     * twice; a prepared one with the same body (a message: the same branches) starts.
     *
     * @param wait whether to wait for the first drive to end and say how it ended
     * @throws CommandRefusedException GID_TAKEN when the gid names another transaction, CONFLICT when it is
     *                                 aborting or failed, BUSY when no drive came free in time
     */
    public SubmitResult submit(SagaDefinition def, boolean wait) {
        return commands.submit(def, wait);
    }

    /**
     * Submits a prepared TCC or XA transaction: it confirms (commits) every registered branch. A submitted or ended
     * one answers as it stands (a submit sent again); an aborting or failed one cannot be submitted.
     *
     * @throws CommandRefusedException NOT_FOUND, GID_TAKEN for a saga's gid, CONFLICT once it is aborting or failed
     */
    public SubmitResult submitPrepared(String gid, boolean wait) {
        return commands.submitPrepared(gid, wait);
    }

    /**
     * Registers a branch of a prepared TCC transaction (its confirm and cancel URLs and its data, before the client
     * calls its try) or XA transaction (its one URL, as {@code confirm} and {@code cancel}, once its XA transaction is
     * prepared). Registering the same branch again changes nothing.
     *
     * @param maxChars the most the transaction's stored definition may hold with this branch
     * @throws CommandRefusedException NOT_FOUND; CONFLICT unless it is a prepared TCC or XA transaction; BUSY when
     *                                 registrations of it kept colliding
     * @throws InvalidTransactionException for a bad branch (URL, id, one too many, an id with other URLs, too big)
     */
    public void registerBranch(String gid, String branchId, String confirm, String cancel, String data,
            int maxChars) {
        registrations.register(gid, branchId, confirm, cancel, data, maxChars);
    }

    /**
     * Stores a transaction as {@code prepared}: it runs only once submitted, and after its {@code timeout_to_fail}
     * fails (a saga), is cancelled (TCC, XA) or is settled by asking its {@code query_prepared} (a message).
     *
     * @throws CommandRefusedException GID_TAKEN for another transaction's gid, CONFLICT when it is past prepared
     */
    public void prepare(SagaDefinition def) {
        commands.prepare(def);
    }

    /**
     * Aborts a transaction: a prepared saga or message fails at once (nothing ran); a submitted saga moves to
     * aborting — which fences off whoever drives it now — and is compensated at once if nobody held it, else once
     * the holder's lease ended (a call it sent may be in flight until then). A prepared TCC or XA transaction moves
     * to aborting and every registered branch is cancelled (rolled back); a submitted one cannot be aborted (DTM's
     * rule), nor can a submitted message. Aborting an aborting or failed one is a no-op.
     *
     * @param reason   the caller's {@code rollback_reason}, or {@code null}
     * @param operator whether the caller may stop a submitted saga (DTM refuses that to everyone; here it is an
     *                 operator's action)
     * @throws CommandRefusedException NOT_FOUND, or CONFLICT for a succeeded one (or one that kept changing), or a
     *                                 submitted saga and a caller who is no operator
     */
    public void abort(String gid, String reason, boolean operator) {
        commands.abort(gid, reason, operator);
    }

    /**
     * Stops a transaction where it is and marks it failed, without calling any branch: the operator's last resort
     * for a saga whose compensation can never succeed.
     *
     * @throws CommandRefusedException NOT_FOUND, or CONFLICT when it already ended (or kept changing)
     */
    public void forceStop(String gid) {
        commands.forceStop(gid);
    }

    /**
     * An operator's "retry now" (DTM's {@code resetNextCronTime}): a transaction waiting out a retry backoff is due
     * at once, every branch's backoff forgotten; recovery (here or on another instance) drives it within its poll
     * interval. One held by a live drive is left alone: it is being driven this moment.
     *
     * @return whether it was made due now; false for one that ended (nothing to retry: no error, as DTM answers)
     * @throws CommandRefusedException NOT_FOUND, or CONFLICT when it kept changing
     */
    public boolean retryNow(String gid) {
        return commands.retryNow(gid);
    }

    // --- reading transactions back ---

    /** The definition of a stored transaction, as it was stored (not validated again). */
    public SagaDefinition definitionOf(TransactionRecord r) {
        return commands.definitionOf(r);
    }

    /** Reads a stored transaction back, detecting whether an owner died holding it (see {@link SagaProgress}). */
    public Transaction load(TransactionRecord r) {
        return commands.load(r);
    }

    /** Transactions submitted here and not yet ended: the places taken at this instance's door. */
    public int openSagas() {
        return slots.open();
    }

    /** Transactions being driven by this instance right now. */
    public int drivesRunning() {
        return slots.running();
    }

    // --- stopping ---

    /**
     * Stops taking new work and hands back what is in flight: each drive waits for its calls in flight, stores its
     * progress due now, and stops.
     *
     * @return completes once no drive runs any more
     */
    public CompletableFuture<Void> beginStop() {
        CompletableFuture<Void> stopped = slots.beginStop();
        recovery.stop();
        driver.stop();
        return stopped;
    }

    /** {@link #beginStop()}, waiting up to {@code grace} for the drives to hand their transactions back. */
    public void stop(Duration grace) {
        try {
            beginStop().get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("{} drives still running after {} ms; their leases will expire and recovery takes them over",
                    slots.running(), grace.toMillis());
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
