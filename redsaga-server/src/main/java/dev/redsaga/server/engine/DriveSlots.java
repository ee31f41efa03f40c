package dev.redsaga.server.engine;

import dev.redsaga.server.engine.DriveListener.DriveEnd;
import dev.redsaga.server.engine.DriveListener.DriveResult;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * How much this instance drives at once: the drive permits ({@link EngineOptions#maxConcurrentDrives()}) and the
 * places at its door for transactions submitted here ({@link Admission}). A command takes a place and a permit before
 * it stores anything ({@link #enter}); recovery and take-back take permits without waiting; each drive gives its
 * permit back when it ends, and the last one to end after {@link #beginStop} completes the stop.
 */
final class DriveSlots {
    private final EngineOptions options;
    private final Semaphore permits;
    private final Admission admission;
    private final Function<Transaction, CompletableFuture<DriveResult>> driver;
    private final AtomicInteger running = new AtomicInteger();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile boolean stopping;

    /** @param driver starts a drive; it runs until the returned future completes */
    DriveSlots(EngineOptions options, Function<Transaction, CompletableFuture<DriveResult>> driver) {
        this.options = options;
        this.permits = new Semaphore(options.maxConcurrentDrives());
        this.admission = new Admission(options.maxConcurrentDrives());
        this.driver = driver;
    }

    /**
     * A place among the open sagas and a drive permit: a transaction is stored (or submitted) only if it can be
     * driven at once, never stored and left waiting. The caller gives both back ({@link #giveBack}) unless a drive
     * starts.
     *
     * @throws CommandRefusedException BUSY when none came free within {@code permitWaitMs}
     */
    Admission.Entry enter(String gid) {
        Admission.Entry place = admission.enter(gid, options.permitWaitMs());
        if (place == Admission.Entry.REFUSED || !reserve()) {
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
    void giveBack(String gid, Admission.Entry place) {
        permits.release();
        if (place == Admission.Entry.TAKEN) {
            admission.leave(gid);
        }
    }

    /** Takes a drive permit, waiting at most {@code permitWaitMs}; false if none came free. */
    boolean reserve() {
        try {
            return permits.tryAcquire(options.permitWaitMs(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Takes a drive permit if one is free this moment. */
    boolean tryReserve() {
        return permits.tryAcquire();
    }

    /** Takes up to {@code wanted} drive permits without waiting; returns how many it took. */
    int reserveUpTo(int wanted) {
        int n = Math.min(wanted, permits.availablePermits());
        while (n > 0 && !permits.tryAcquire(n)) {
            n = Math.min(n - 1, permits.availablePermits());
        }
        return Math.max(n, 0);
    }

    /** Gives back {@code n} permits no drive used. */
    void release(int n) {
        permits.release(n);
    }

    /** Starts a drive for which a permit is already taken; the permit is given back when it ends. */
    CompletableFuture<DriveResult> start(Transaction t) {
        running.incrementAndGet();
        CompletableFuture<DriveResult> result;
        try {
            result = driver.apply(t);
        } catch (RuntimeException e) {
            ended();
            admission.leave(t.record().gid()); // no drive, so no drive end to give its place back
            throw e;
        }
        result.whenComplete((r, e) -> ended());
        return result;
    }

    private void ended() {
        permits.release();
        if (running.decrementAndGet() == 0 && stopping) {
            stopped.complete(null);
        }
    }

    /** A drive released {@code gid} to wait until {@code dueAt}: it keeps its place at the door until then. */
    void released(String gid, long dueAt, long now) {
        admission.released(gid, dueAt, now);
    }

    void driveEnded(String gid, DriveEnd end) {
        admission.driveEnded(gid, end);
    }

    /** {@code gid} gives its place at the door back without a drive ending (its take-back failed). */
    void leave(String gid) {
        admission.leave(gid);
    }

    /** Transactions submitted here and not yet ended: the places taken at the door. */
    int open() {
        return admission.held();
    }

    int running() {
        return running.get();
    }

    boolean stopping() {
        return stopping;
    }

    /** No new work from now on; completes once no drive runs any more. */
    CompletableFuture<Void> beginStop() {
        stopping = true;
        if (running.get() == 0) {
            stopped.complete(null);
        }
        return stopped;
    }
}
