package dev.redsaga.server.engine;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.store.StoreException;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import java.time.InstantSource;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's background work: the recovery loop, which claims due transactions of any instance (crashed or not) in
 * batches and drives them; the take-back of this instance's own waiting transactions when their retry time comes;
 * and the store's retention sweep.
 *
 * <p>Each loop schedules its next pass in a {@code finally}: whatever a pass throws (an {@code Error} too), the loop
 * goes on. A loop that stops all the same (its scheduler refused the next pass) shows in {@link #running}, which the
 * readiness probe reads, so that a supervisor replaces the instance instead of it staying up half-broken.
 */
final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(Recovery.class);
    /** How often the store's retention is applied; several instances may sweep, each removal is atomic. */
    private static final long SWEEP_INTERVAL_MS = 60_000;
    /** What a pass may take beyond its interval before its loop counts as stopped: the store's timeouts and more. */
    private static final long LOOP_SLACK_MS = 30_000;

    private final TransactionStore store;
    private final EngineOptions options;
    private final InstantSource clock;
    private final EngineScheduler scheduler;
    private final String owner;
    private final DriveSlots slots;
    private final Function<TransactionRecord, Transaction> load;
    private volatile EngineScheduler.Timer recoveryTimer;
    private volatile EngineScheduler.Timer sweepTimer;
    /** When each loop last began a pass ({@link #running}); -1 before the start. */
    private volatile long recoveryPassAt = -1;
    private volatile long sweepPassAt = -1;

    /** @param load reads a stored transaction back (see {@link SagaEngine#load}) */
    Recovery(TransactionStore store, EngineOptions options, InstantSource clock, EngineScheduler scheduler,
            String owner, DriveSlots slots, Function<TransactionRecord, Transaction> load) {
        this.store = store;
        this.options = options;
        this.clock = clock;
        this.scheduler = scheduler;
        this.owner = owner;
        this.slots = slots;
        this.load = load;
    }

    void start() {
        recoveryPassAt = sweepPassAt = clock.millis();
        recoveryTimer = scheduler.schedule(0, this::recoveryLoop);
        sweepTimer = scheduler.schedule(SWEEP_INTERVAL_MS, this::sweepLoop);
    }

    /** Cancels the loops' next passes (the caller has begun the stop, so none schedules another). */
    void stop() {
        EngineScheduler.Timer r = recoveryTimer;
        EngineScheduler.Timer w = sweepTimer;
        if (r != null) {
            r.cancel();
        }
        if (w != null) {
            w.cancel();
        }
    }

    /** Whether both loops began a pass within a few of their intervals (a pass may wait on the store). */
    boolean running() {
        long now = clock.millis();
        return !slots.stopping() && recoveryPassAt >= 0
                && now - recoveryPassAt <= 3 * options.pollIntervalMs() + LOOP_SLACK_MS
                && now - sweepPassAt <= 3 * SWEEP_INTERVAL_MS + LOOP_SLACK_MS;
    }

    private void recoveryLoop() {
        if (slots.stopping()) {
            return;
        }
        recoveryPassAt = clock.millis();
        try {
            recoverDue();
        } finally {
            if (!slots.stopping()) {
                recoveryTimer = scheduler.schedule(options.pollIntervalMs(), this::recoveryLoop);
            }
        }
    }

    private void sweepLoop() {
        if (slots.stopping()) {
            return;
        }
        sweepPassAt = clock.millis();
        try {
            sweep();
        } finally {
            if (!slots.stopping()) {
                sweepTimer = scheduler.schedule(SWEEP_INTERVAL_MS, this::sweepLoop);
            }
        }
    }

    /** Applies the store's retention (finished transactions past it go; their gids stay taken). */
    private void sweep() {
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

    /** {@code released} (by a drive of this instance) waits until {@code dueAt}: try to take it back then. */
    void wakeAt(long dueAt, TransactionRecord released) {
        if (slots.stopping()) {
            return;
        }
        scheduler.schedule(dueAt - clock.millis(), () -> takeBack(released));
    }

    /** Claims a transaction this instance released to wait, if nobody changed it since. */
    private void takeBack(TransactionRecord released) {
        if (slots.stopping()) {
            slots.leave(released.gid());
            return;
        }
        if (!slots.tryReserve()) {
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
                t = load.apply(claimed);
            } // else recovery (here or elsewhere) or an operator got it first
        } catch (StoreException e) {
            log.warn("could not take back {} after its retry wait; recovery will: {}", released.gid(), e.getMessage());
        } catch (RuntimeException e) {
            log.error("could not take back {} after its retry wait; recovery will", released.gid(), e);
        }
        if (t == null) {
            slots.release(1);
            slots.leave(released.gid());
        } else {
            slots.start(t);
        }
    }

    /**
     * One recovery pass: claim due transactions in batches while there are permits, drive each. The permits are
     * taken before the claim, never waited for: this is a timer task, and a timer task that waits stalls the
     * scheduler (in the simulator, the one thread everything runs on).
     */
    private void recoverDue() {
        try {
            while (!slots.stopping()) {
                int room = slots.reserveUpTo(options.claimBatch());
                if (room == 0) {
                    return;
                }
                List<TransactionRecord> claimed = null;
                try {
                    long now = clock.millis();
                    claimed = store.claimDue(now, owner, now + options.leaseMs(), room);
                } finally {
                    if (claimed == null) { // whatever was thrown, an Error too: the permits must come back
                        slots.release(room);
                    }
                }
                slots.release(room - claimed.size());
                int orphaned = 0;
                for (TransactionRecord r : claimed) {
                    Transaction t;
                    try {
                        t = load.apply(r);
                    } catch (RuntimeException e) {
                        slots.release(1);
                        log.error("transaction {} cannot be read back; it stays in the store for an operator", r.gid(), e);
                        continue;
                    }
                    if (t.progress().uncertain() && r.status() != TransStatus.PREPARED) {
                        orphaned++;
                        log.debug("recovering {} ({}): its previous holder stopped without handing it back",
                                r.gid(), r.status().wire());
                    }
                    slots.start(t);
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
}
