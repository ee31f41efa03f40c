package dev.redsaga.server.engine;

import dev.redsaga.protocol.TransStatus;

/** Told when a drive of a transaction ends; every method is a no-op by default. */
public interface DriveListener {

    /**
     * The drive of {@code gid} stopped.
     *
     * @param status the status last stored by this drive
     * @param end    why it stopped
     */
    default void driveEnded(String gid, TransStatus status, DriveEnd end) {
    }

    /** How a drive ended: why, and the status it last stored. */
    record DriveResult(DriveEnd end, TransStatus status) {
    }

    /** Why a drive stopped. */
    enum DriveEnd {
        /** reached a terminal status */
        FINISHED,
        /** waiting for a retry time; stored with that due time and handed back */
        WAITING,
        /** this instance is stopping; handed back, due now */
        HANDED_BACK,
        /** another writer changed the transaction first (fenced off), or the store failed */
        LOST
    }
}
