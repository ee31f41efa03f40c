package dev.redsaga.server.engine;

import dev.redsaga.server.engine.DriveListener.DriveEnd;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The door of an instance: at most {@code max} sagas submitted here and not yet ended. A saga keeps its place
 * through a short retry wait (it will be back here within seconds) and gives it up when it ends, waits long (a
 * failing service's backoff: its saga waits in the store, and holding a place for it would shut the door on sagas
 * bound for healthy services) or is taken by someone else.
 *
 * <p>Why: drive permits alone bound the sagas being driven, not the sagas accepted. Under overload a drive often
 * ends in a short wait (a branch call held back by its destination's gate) and frees its permit for the next
 * submit; the instance then accepted far more than it could finish (36,000 sagas in 20 s at twice its capacity,
 * the CPU spent on accepting them, goodput down to a twentieth). Bounded, the excess is refused at the door,
 * before anything is stored, and what is accepted ends in bounded time.
 */
final class Admission {
    /** A retry wait up to this long keeps the saga's place. */
    static final long SHORT_WAIT_MS = 5_000;

    private final Semaphore places;
    private final Set<String> holders = ConcurrentHashMap.newKeySet();
    private final Set<String> waitingBriefly = ConcurrentHashMap.newKeySet();

    Admission(int max) {
        this.places = new Semaphore(max);
    }

    /** What {@link #enter} did. */
    enum Entry {
        /** a place was taken for the gid */
        TAKEN,
        /** the gid holds a place already (the same saga submitted again) */
        HELD,
        /** no place came free in time */
        REFUSED
    }

    Entry enter(String gid, long waitMs) {
        if (holders.contains(gid)) {
            return Entry.HELD;
        }
        try {
            if (!places.tryAcquire(waitMs, TimeUnit.MILLISECONDS)) {
                return Entry.REFUSED;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Entry.REFUSED;
        }
        if (!holders.add(gid)) {
            places.release(); // the same gid, submitted twice at once: one place
            return Entry.HELD;
        }
        return Entry.TAKEN;
    }

    /** The saga was released to wait until {@code dueAt}; {@code now} is the engine's clock. */
    void released(String gid, long dueAt, long now) {
        if (dueAt - now <= SHORT_WAIT_MS && holders.contains(gid)) {
            waitingBriefly.add(gid);
        }
    }

    /** A drive of the saga ended: it keeps its place only for a short wait. */
    void driveEnded(String gid, DriveEnd end) {
        if (end == DriveEnd.WAITING && waitingBriefly.remove(gid)) {
            return;
        }
        leave(gid);
    }

    /** Places taken. */
    int held() {
        return holders.size();
    }

    /** The saga gives up its place (if it holds one). */
    void leave(String gid) {
        waitingBriefly.remove(gid);
        if (holders.remove(gid)) {
            places.release();
        }
    }
}
