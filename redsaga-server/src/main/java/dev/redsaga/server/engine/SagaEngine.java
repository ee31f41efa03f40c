package dev.redsaga.server.engine;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.engine.DriveListener.DriveEnd;
import dev.redsaga.server.store.StoreException;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine of one coordinator instance: drives the transactions it holds, takes back its own waiting
 * transactions when their retry time comes, and recovers due transactions of any instance (crashed or not)
 * in batches, driving them in parallel up to {@link EngineOptions#maxConcurrentDrives()}.
 *
 * <p>It starts no threads of its own: it is given a scheduler (timers, the recovery loop) and an executor for
 * drives and concurrent branch calls (virtual threads in production).
 */
public final class SagaEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SagaEngine.class);
    /** How often the store's retention is applied; several instances may sweep, each removal is atomic. */
    private static final long SWEEP_INTERVAL_MS = 60_000;

    private final TransactionStore store;
    private final EngineOptions options;
    private final InstantSource clock;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService workers;
    private final String owner;
    private final DriveListener listener;
    private final SagaDriver driver;
    private final Semaphore drivePermits;
    private final AtomicInteger drivesRunning = new AtomicInteger();
    private volatile boolean stopping;
    private ScheduledFuture<?> recoveryLoop;
    private ScheduledFuture<?> sweepLoop;

    public SagaEngine(TransactionStore store, BranchTransport transport, EngineOptions options, InstantSource clock,
            RandomGenerator random, ScheduledExecutorService scheduler, ExecutorService workers, String owner,
            DriveListener listener) {
        this.store = store;
        this.options = options;
        this.clock = clock;
        this.scheduler = scheduler;
        this.workers = workers;
        this.owner = owner;
        this.listener = listener;
        this.drivePermits = new Semaphore(options.maxConcurrentDrives());
        SagaMachine machine = new SagaMachine(new Backoff(options.retryCapMs(), random));
        this.driver = new SagaDriver(store, transport, machine, clock, workers, options, owner, new SagaDriver.Hooks() {
            @Override
            public void wakeAt(long dueAt, TransactionRecord released) {
                scheduleWakeup(dueAt, released);
            }

            @Override
            public void ended(String gid, TransStatus status, DriveEnd end) {
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
        recoveryLoop = scheduler.scheduleWithFixedDelay(this::recoverDue, 0, options.pollIntervalMs(),
                TimeUnit.MILLISECONDS);
        sweepLoop = scheduler.scheduleWithFixedDelay(this::sweep, SWEEP_INTERVAL_MS, SWEEP_INTERVAL_MS,
                TimeUnit.MILLISECONDS);
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

    /** Parses a stored transaction, detecting whether an owner died holding it (see {@link SagaProgress}). */
    public Transaction load(TransactionRecord r) {
        SagaDefinition def = SagaDefinition.parse(ProgressCodec.decodeDefinition(r.definition()), options);
        SagaProgress p = ProgressCodec.decode(r.progress());
        if (p.releasedAt() != r.version() - 1) {
            p = p.asUncertain();
        }
        return new Transaction(r, def, p);
    }

    /** The lease to take when inserting or claiming {@code def}. */
    public long leaseMs(SagaDefinition def) {
        return driver.leaseMs(def);
    }

    /**
     * Drives a held transaction on the calling thread (used by {@code wait_result} submits). Waits for a drive
     * permit first, so the instance never drives more than its limit at once.
     */
    public DriveListener.DriveResult driveHere(Transaction t) {
        acquirePermit();
        drivesRunning.incrementAndGet();
        try {
            return driver.drive(t);
        } finally {
            drivesRunning.decrementAndGet();
            drivePermits.release();
        }
    }

    /** Drives a held transaction on a worker; waits for a drive permit first (back-pressure on submitters). */
    public void driveLater(Transaction t) {
        acquirePermit();
        startDrive(t);
    }

    private void startDrive(Transaction t) {
        drivesRunning.incrementAndGet();
        try {
            workers.execute(() -> {
                try {
                    driver.drive(t);
                } finally {
                    drivesRunning.decrementAndGet();
                    drivePermits.release();
                }
            });
        } catch (RuntimeException e) {
            drivesRunning.decrementAndGet();
            drivePermits.release();
            throw e;
        }
    }

    private void acquirePermit() {
        try {
            drivePermits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to drive a transaction", e);
        }
    }

    private void scheduleWakeup(long dueAt, TransactionRecord released) {
        if (stopping) {
            return;
        }
        long delay = Math.max(0, dueAt - clock.millis());
        scheduler.schedule(() -> workers.execute(() -> takeBack(released)), delay, TimeUnit.MILLISECONDS);
    }

    /** Claims a transaction this instance released to wait, if nobody changed it since. */
    private void takeBack(TransactionRecord released) {
        if (stopping) {
            return;
        }
        try {
            long now = clock.millis();
            TransactionRecord claimed = released.next(released.status(), released.progress(), owner,
                    now + options.leaseMs(), now, released.reason());
            if (!drivePermits.tryAcquire()) {
                return; // busy: recovery picks it up, it is due in the store
            }
            if (!store.compareAndSet(claimed)) {
                drivePermits.release();
                return; // recovery (here or elsewhere) or an operator got it first
            }
            startDrive(load(claimed));
        } catch (StoreException e) {
            log.warn("could not take back {} after its retry wait; recovery will: {}", released.gid(), e.getMessage());
        }
    }

    /**
     * One recovery pass: claim due transactions in batches while there are permits, drive each. The permits are
     * taken before the claim, never waited for: this runs on the scheduler thread, and a wait here would stall
     * every timer and retry wake-up of the instance.
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
                List<TransactionRecord> claimed;
                try {
                    long now = clock.millis();
                    claimed = store.claimDue(now, owner, now + options.leaseMs(), room);
                } catch (RuntimeException e) {
                    drivePermits.release(room);
                    throw e;
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

    /** Transactions being driven by this instance right now. */
    public int drivesRunning() {
        return drivesRunning.get();
    }

    /**
     * Stops taking new work and hands back what is in flight: each drive finishes its current branch calls,
     * stores its progress due now, and stops. Waits up to {@code grace} for that.
     */
    public void stop(Duration grace) {
        stopping = true;
        if (recoveryLoop != null) {
            recoveryLoop.cancel(false);
            sweepLoop.cancel(false);
        }
        driver.stop();
        long deadline = System.nanoTime() + grace.toNanos();
        while (drivesRunning.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (drivesRunning.get() > 0) {
            log.warn("{} drives still running after {} ms; their leases will expire and recovery takes them over",
                    drivesRunning.get(), grace.toMillis());
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }
}
