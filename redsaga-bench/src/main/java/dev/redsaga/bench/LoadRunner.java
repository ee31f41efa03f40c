package dev.redsaga.bench;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Drives a {@link Workload} closed-loop ({@code concurrency} workers back to back) or open-loop ({@code rate} units
 * a second, latency measured from each unit's intended start, so a stall is not hidden). The warm-up is always
 * closed-loop and not counted: in open loop, a cold JIT would otherwise leave a backlog of late units that would
 * then be measured as the system's latency. Latency: every unit meant to start inside the measured window, even
 * one that ends after it (those are waited for, at most 30 s). Throughput: units that ended inside the window.
 * Stops by itself.
 */
final class LoadRunner {
    /** Open loop: more units than this in flight means the system has fallen hopelessly behind. */
    private static final int MAX_IN_FLIGHT = 10_000;

    /** {@code units}: ended in the measured window; {@code totalUnits}: ended in the whole run. */
    record Measurement(long units, long totalUnits, long errors, double seconds, Histogram latencyMicros,
            String firstError) {
        double throughput() {
            return units / seconds;
        }

        double percentileMs(double p) {
            return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getValueAtPercentile(p) / 1000.0;
        }
    }

    private final Workload w;
    private final long startNanos = System.nanoTime();
    private final long countFrom;
    private final long stopAt;
    private final Recorder recorder = new Recorder(3);
    private final LongAdder units = new LongAdder();
    private final LongAdder inWindow = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<String> firstError = new AtomicReference<>();

    private LoadRunner(Workload w, Duration warmup, Duration duration) {
        this.w = w;
        this.countFrom = startNanos + warmup.toNanos();
        this.stopAt = countFrom + duration.toNanos();
    }

    static Measurement run(Workload w, int concurrency, Integer rate, Duration warmup, Duration duration,
            PrintWriter progress) throws InterruptedException {
        return new LoadRunner(w, warmup, duration).run(concurrency, rate, progress);
    }

    private Measurement run(int concurrency, Integer rate, PrintWriter progress) throws InterruptedException {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            long closedUntil = rate == null ? Long.MAX_VALUE : countFrom;
            for (int i = 0; i < concurrency; i++) {
                pool.execute(() -> {
                    while (running.get() && System.nanoTime() < closedUntil) {
                        timed(System.nanoTime());
                    }
                });
            }
            if (rate != null) {
                pool.execute(() -> openLoop(pool, rate));
            }
            long lastUnits = 0;
            long now;
            while ((now = System.nanoTime()) < stopAt) {
                Thread.sleep(Math.max(1, Math.min(1000, (stopAt - now) / 1_000_000)));
                now = System.nanoTime();
                long u = units.sum();
                progress.printf("\r  %s  %6.1f s  %8d done  %7.0f/s last second  %d errors   ",
                        now >= countFrom ? "measuring" : "warming up", (now - startNanos) / 1e9, u,
                        (double) (u - lastUnits), errors.sum());
                progress.flush();
                lastUnits = u;
            }
            running.set(false);
            progress.println();
            pool.shutdown();
            pool.awaitTermination(30, TimeUnit.SECONDS);
            return new Measurement(inWindow.sum(), units.sum(), errors.sum(), (stopAt - countFrom) / 1e9,
                    recorder.getIntervalHistogram(), firstError.get());
        }
    }

    /** From the end of the warm-up: one unit every 1/rate s, each on its own virtual thread. */
    private void openLoop(ExecutorService pool, int rate) {
        Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        pace(rate, countFrom, running::get, intended -> {
            if (!inFlight.tryAcquire()) {
                errors.increment(); // fallen hopelessly behind: count it, do not hide it
                return;
            }
            pool.execute(() -> {
                try {
                    timed(intended);
                } finally {
                    inFlight.release();
                }
            });
        });
    }

    /**
     * Open loop: calls {@code start} with each unit's intended start time (nanoTime), one every 1/rate s from
     * {@code from}, on time whatever the units do, while {@code going} says so.
     */
    static void pace(int rate, long from, BooleanSupplier going, LongConsumer start) {
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        long next = from;
        while (going.getAsBoolean()) {
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                LockSupport.parkNanos(sleep);
                continue;
            }
            start.accept(next);
            next += interval;
        }
    }

    /**
     * Runs one unit. Its latency is recorded if it was meant to start inside the measured window; it counts
     * towards throughput if it ended inside the window.
     */
    private void timed(long intendedStart) {
        try {
            w.runOne();
            long end = System.nanoTime();
            if (intendedStart >= countFrom && intendedStart < stopAt) {
                recorder.recordValue(Math.max(1, (end - intendedStart) / 1000));
            }
            if (end >= countFrom && end < stopAt) {
                inWindow.increment();
            }
            units.increment();
        } catch (Exception e) {
            errors.increment();
            firstError.compareAndSet(null, e.toString());
        }
    }
}
