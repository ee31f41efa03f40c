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
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;

/**
 * Drives a {@link Workload} closed-loop ({@code concurrency} workers back to back) or open-loop ({@code rate} units
 * a second, latency measured from each unit's intended start, so a stall is not hidden). A warm-up runs first and
 * is not counted. Stops by itself after warm-up + duration, then waits (bounded) for units in flight.
 */
final class LoadRunner {

    /** {@code units}: finished in the measured window; {@code totalUnits}: finished in the whole run. */
    record Measurement(long units, long totalUnits, long errors, double seconds, Histogram latencyMicros,
            String firstError) {
        double throughput() {
            return units / seconds;
        }

        double percentileMs(double p) {
            return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getValueAtPercentile(p) / 1000.0;
        }
    }

    static Measurement run(Workload w, int concurrency, Integer rate, Duration warmup, Duration duration,
            PrintWriter progress) throws InterruptedException {
        Recorder recorder = new Recorder(3);
        LongAdder units = new LongAdder();
        LongAdder errors = new LongAdder();
        AtomicBoolean counting = new AtomicBoolean(false);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<String> firstError = new AtomicReference<>();
        long startNanos = System.nanoTime();
        long countFrom = startNanos + warmup.toNanos();
        long stopAt = countFrom + duration.toNanos();
        Semaphore inFlight = new Semaphore(rate == null ? concurrency : Math.max(concurrency, 10_000));
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            if (rate == null) {
                for (int i = 0; i < concurrency; i++) {
                    pool.execute(() -> {
                        while (running.get()) {
                            timed(w, System.nanoTime(), counting, recorder, units, errors, firstError);
                        }
                    });
                }
            } else {
                long interval = TimeUnit.SECONDS.toNanos(1) / rate;
                pool.execute(() -> {
                    long next = System.nanoTime();
                    while (running.get()) {
                        long intended = next;
                        if (!inFlight.tryAcquire()) {
                            errors.increment(); // the generator cannot keep up: count, do not hide
                        } else {
                            pool.execute(() -> {
                                try {
                                    timed(w, intended, counting, recorder, units, errors, firstError);
                                } finally {
                                    inFlight.release();
                                }
                            });
                        }
                        next += interval;
                        long sleep = next - System.nanoTime();
                        if (sleep > 0) {
                            java.util.concurrent.locks.LockSupport.parkNanos(sleep);
                        }
                    }
                });
            }
            Histogram total;
            long lastUnits = 0;
            while (System.nanoTime() < stopAt) {
                Thread.sleep(1000);
                long now = System.nanoTime();
                if (!counting.get() && now >= countFrom) {
                    counting.set(true);
                    recorder.getIntervalHistogram(); // drop the warm-up
                }
                long u = units.sum();
                progress.printf("\r  %s  %6.1f s  %8d done  %7.0f/s last second  %d errors   ",
                        counting.get() ? "measuring" : "warming up", (now - startNanos) / 1e9, u, (double) (u - lastUnits),
                        errors.sum());
                progress.flush();
                lastUnits = u;
            }
            running.set(false);
            total = recorder.getIntervalHistogram();
            long measuredUnits = total.getTotalCount();
            double seconds = duration.toNanos() / 1e9;
            progress.println();
            pool.shutdown();
            pool.awaitTermination(30, TimeUnit.SECONDS);
            return new Measurement(measuredUnits, units.sum(), errors.sum(), seconds, total, firstError.get());
        }
    }

    private static void timed(Workload w, long intendedStart, AtomicBoolean counting, Recorder recorder,
            LongAdder units, LongAdder errors, AtomicReference<String> firstError) {
        try {
            w.runOne();
            long micros = (System.nanoTime() - intendedStart) / 1000;
            if (counting.get()) {
                recorder.recordValue(Math.max(1, micros));
            }
            units.increment();
        } catch (Exception e) {
            errors.increment();
            firstError.compareAndSet(null, e.toString());
        }
    }
}
