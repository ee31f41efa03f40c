package dev.redsaga.server.engine;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Where the engine's deferred and timed work runs. The engine starts no thread and reads no clock of its own: in
 * production this is a timer thread handing work to virtual threads ({@link #of}); in the simulator, one thread
 * running an event queue on simulated time, so a seed replays the same run.
 */
public interface EngineScheduler {

    /** Runs {@code task} once, soon, not on the caller's stack. */
    void execute(Runnable task);

    /** Runs {@code task} once, {@code delayMs} from now (0 or less: soon). */
    Timer schedule(long delayMs, Runnable task);

    /** A scheduled task that has perhaps not run yet. */
    interface Timer {
        /** Makes sure the task does not run if it has not started; a no-op afterwards. */
        void cancel();
    }

    /** Timers on {@code timer} (its thread only hands over), work on {@code workers}. */
    static EngineScheduler of(ScheduledExecutorService timer, Executor workers) {
        return new EngineScheduler() {
            @Override
            public void execute(Runnable task) {
                workers.execute(task);
            }

            @Override
            public Timer schedule(long delayMs, Runnable task) {
                ScheduledFuture<?> f = timer.schedule(() -> workers.execute(task), Math.max(0, delayMs),
                        TimeUnit.MILLISECONDS);
                return () -> f.cancel(false);
            }
        };
    }
}
