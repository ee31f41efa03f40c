package dev.redsaga.testkit;

import dev.redsaga.server.engine.EngineScheduler;
import java.time.Instant;
import java.time.InstantSource;
import java.util.PriorityQueue;
import java.util.random.RandomGenerator;

/**
 * Simulated time on one thread: an event queue ordered by simulated time, ties broken by a seeded random draw (so
 * a seed explores one interleaving of "simultaneous" events, and replays it exactly). Nothing reads the wall clock.
 *
 * <p>Each simulated process gets a {@link Node}: its own view of the clock (an offset that can jump) and of the
 * queue. A crashed node's pending events are dropped; a paused node's events wait until it resumes.
 */
public final class SimScheduler {
    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private final RandomGenerator random;
    private long now;
    private long seq;
    private long executed;

    public SimScheduler(RandomGenerator random, long startMillis) {
        this.random = random;
        this.now = startMillis;
    }

    /** Simulated time, epoch ms. */
    public long now() {
        return now;
    }

    /** Events run so far. */
    public long executed() {
        return executed;
    }

    /** A node (simulated process) whose events live on this queue. */
    public Node node(String name) {
        return new Node(name);
    }

    /** Runs {@code task} at {@code atMillis} (not before now) for {@code node} ({@code null}: the world itself). */
    public void at(long atMillis, Node node, Runnable task) {
        queue.add(new Event(Math.max(atMillis, now), random.nextLong(), seq++, node, node == null ? 0 : node.epoch,
                task));
    }

    /**
     * Runs events in order until the queue is empty or the next event is after {@code untilMillis}; time then
     * stands at the last event run (or at {@code untilMillis} if the queue ran dry before).
     *
     * @return whether events remain
     */
    public boolean runUntil(long untilMillis) {
        while (!queue.isEmpty()) {
            Event e = queue.peek();
            if (e.at > untilMillis) {
                now = Math.max(now, untilMillis);
                return true;
            }
            queue.poll();
            now = Math.max(now, e.at);
            if (e.node != null) {
                if (e.epoch != e.node.epoch) {
                    continue; // queued by an incarnation that crashed
                }
                if (e.node.pausedUntil > now) {
                    queue.add(new Event(e.node.pausedUntil, random.nextLong(), seq++, e.node, e.epoch, e.task));
                    continue;
                }
            }
            executed++;
            e.task.run();
        }
        now = Math.max(now, untilMillis);
        return false;
    }

    private record Event(long at, long tie, long seq, Node node, long epoch, Runnable task)
            implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            int c = Long.compare(at, o.at);
            if (c != 0) {
                return c;
            }
            c = Long.compare(tie, o.tie);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /** One simulated process: its clock, its scheduler, and what can happen to it. */
    public final class Node implements EngineScheduler, InstantSource {
        private final String name;
        private long epoch;
        private long clockOffset;
        private long pausedUntil;

        private Node(String name) {
            this.name = name;
        }

        public String name() {
            return name;
        }

        /** The process dies: every event it queued is dropped (its memory is the caller's to drop). */
        public void crash() {
            epoch++;
        }

        /** The process freezes (a long GC pause, a stopped VM): its events wait until then. */
        public void pauseUntil(long atMillis) {
            pausedUntil = Math.max(pausedUntil, atMillis);
        }

        /** The process's clock jumps by {@code deltaMs} (forward or back). */
        public void jumpClock(long deltaMs) {
            clockOffset += deltaMs;
        }

        @Override
        public long millis() {
            return now + clockOffset;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public void execute(Runnable task) {
            at(now, this, task);
        }

        @Override
        public Timer schedule(long delayMs, Runnable task) {
            boolean[] cancelled = {false};
            at(now + Math.max(0, delayMs), this, () -> {
                if (!cancelled[0]) {
                    task.run();
                }
            });
            return () -> cancelled[0] = true;
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
