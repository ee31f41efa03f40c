package dev.redsaga.client.lock;

import java.time.Duration;

/** {@link RedisLocks#acquire(String, Duration)} waited its whole wait timeout and the lock stayed taken. */
public class LockTimeoutException extends LockException {
    private static final long serialVersionUID = 1L;

    private final String lockName;
    private final Duration waitTimeout;

    public LockTimeoutException(String lockName, Duration waitTimeout) {
        super("lock '" + lockName + "' is still held by another owner after waiting " + waitTimeout.toMillis()
                + " ms");
        this.lockName = lockName;
        this.waitTimeout = waitTimeout;
    }

    public String lockName() {
        return lockName;
    }

    public Duration waitTimeout() {
        return waitTimeout;
    }
}
