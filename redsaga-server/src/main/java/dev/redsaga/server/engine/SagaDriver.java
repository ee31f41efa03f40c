package dev.redsaga.server.engine;

import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.engine.DriveListener.DriveEnd;
import dev.redsaga.server.engine.DriveListener.DriveResult;
import dev.redsaga.server.store.StoreException;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Carries out the {@link SagaMachine}'s plans for the transactions this instance holds: starts the branch calls,
 * feeds the answers back, and writes every decision before the calls it implies. Every write is a compare-and-set
 * on the version this driver last wrote, so a driver that lost its lease (paused, partitioned, fenced off by an
 * abort) stops at its next write instead of overwriting newer state.
 *
 * <p>A drive never blocks waiting: branch calls are started through the asynchronous transport and their answers,
 * like its timers, come back as events through the {@link EngineScheduler}. The events of one drive run one at a
 * time, in order (a mailbox), so its state needs no lock — and in the simulator, where every event runs on one
 * thread in a seeded order, a drive is deterministic.
 */
final class SagaDriver {
    private static final Logger log = LoggerFactory.getLogger(SagaDriver.class);
    /** Renew the lease when less than a call's timeout plus this margin is left. */
    private static final long LEASE_MARGIN_MS = 1_000;

    private final TransactionStore store;
    private final BranchTransport transport;
    private final SagaMachine machine;
    private final Planner planner;
    private final InstantSource clock;
    private final EngineScheduler scheduler;
    private final EngineOptions options;
    private final String owner;
    private final Hooks hooks;
    private final Set<Drive> active = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    /** What the driver asks of its engine. */
    interface Hooks {
        /** {@code released} waits for {@code dueAt}; try to take it back then. */
        void wakeAt(long dueAt, TransactionRecord released);

        void ended(String gid, TransStatus status, DriveEnd end);
    }

    /** @param planner the machine's {@link SagaMachine#plan}, or a wrapper of it */
    SagaDriver(TransactionStore store, BranchTransport transport, SagaMachine machine, Planner planner,
            InstantSource clock, EngineScheduler scheduler, EngineOptions options, String owner, Hooks hooks) {
        this.store = store;
        this.transport = transport;
        this.machine = machine;
        this.planner = planner;
        this.clock = clock;
        this.scheduler = scheduler;
        this.options = options;
        this.owner = owner;
        this.hooks = hooks;
    }

    /** Every drive hands its transaction back as soon as no call of it is in flight. */
    void stop() {
        stopping = true;
        for (Drive d : active) {
            d.post(d::step);
        }
    }

    /** Lease to take for a transaction: long enough for at least two calls. */
    long leaseMs(SagaDefinition def) {
        return Math.max(options.leaseMs(), 2 * def.options().requestTimeoutMs() + LEASE_MARGIN_MS);
    }

    /**
     * Starts driving {@code t}, which this instance holds, until it finishes, waits, is handed back or is lost.
     *
     * @return completes when the drive ends, never exceptionally
     */
    CompletableFuture<DriveResult> drive(Transaction t) {
        Drive d = new Drive(t);
        active.add(d);
        d.result.whenComplete((r, e) -> active.remove(d));
        d.post(d::step);
        return d.result;
    }

    private record Answer(BranchCall call, BranchTransport.Result result) {
    }

    /** One transaction being driven; its events run one at a time through {@link #post}. */
    private final class Drive {
        private final SagaDefinition def;
        private TransactionRecord rec;
        private SagaProgress p;
        private final Set<BranchCall> inFlight = new HashSet<>();
        private final CompletableFuture<DriveResult> result = new CompletableFuture<>();
        private final ConcurrentLinkedQueue<Runnable> mailbox = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private EngineScheduler.Timer timer;

        Drive(Transaction t) {
            this.def = t.definition();
            this.rec = t.record();
            this.p = t.progress();
        }

        void post(Runnable event) {
            mailbox.add(event);
            if (scheduled.compareAndSet(false, true)) {
                scheduler.execute(this::drain);
            }
        }

        private void drain() {
            // the gid in every log line of this drive's events (logback's %X{gid}, a field of the JSON lines)
            MDC.put("gid", def.gid());
            try {
                do {
                    Runnable event;
                    while ((event = mailbox.poll()) != null) {
                        event.run();
                    }
                    scheduled.set(false);
                } while (!mailbox.isEmpty() && scheduled.compareAndSet(false, true));
            } finally {
                MDC.remove("gid");
            }
        }

        private void answered(Answer a) {
            if (result.isDone()) {
                return; // the drive ended (lost, or the store failed) before this answer came
            }
            inFlight.remove(a.call());
            p = apply(def, p, a);
            step();
        }

        /** Runs the plan until it has to wait for an answer or a time, or the drive ends. */
        void step() {
            if (result.isDone()) {
                return;
            }
            if (timer != null) {
                timer.cancel();
                timer = null;
            }
            try {
                run();
            } catch (StoreException e) {
                // the lease will expire and recovery (here or elsewhere) takes over, marking the progress uncertain
                log.warn("store failed while driving {}; leaving it to recovery: {}", rec.gid(), e.getMessage());
                end(null, DriveEnd.LOST);
            } catch (RuntimeException e) {
                log.error("unexpected error while driving {}; leaving it to recovery", rec.gid(), e);
                end(null, DriveEnd.LOST);
            }
        }

        private void run() {
            while (true) {
                long now = clock.millis();
                if (stopping) {
                    if (inFlight.isEmpty()) {
                        end(write(rec, rec.status(), p, false, now, rec.reason(), now), DriveEnd.HANDED_BACK);
                    }
                    return; // the last answer steps again
                }
                Plan plan = planner.plan(def, rec.status(), p, rec.createdAt(), now, inFlight);
                switch (plan) {
                    case Plan.Done done -> {
                        end(rec, DriveEnd.FINISHED);
                        return;
                    }
                    case Plan.Finish finish -> {
                        String reason = finish.reason() != null ? finish.reason() : rec.reason();
                        end(write(rec, finish.status(), p, false, null, reason, now), DriveEnd.FINISHED);
                        return;
                    }
                    case Plan.Submit submit -> {
                        TransactionRecord next = write(rec, TransStatus.SUBMITTED, p, true, now + leaseMs(def),
                                rec.reason(), now);
                        if (next == null) {
                            end(null, DriveEnd.LOST);
                            return;
                        }
                        log.debug("message {} submitted: its query_prepared answered SUCCESS", rec.gid());
                        rec = next;
                    }
                    case Plan.Abort abort -> {
                        TransactionRecord next = write(rec, TransStatus.ABORTING, p, true, now + leaseMs(def),
                                abort.reason(), now);
                        if (next == null) {
                            end(null, DriveEnd.LOST);
                            return;
                        }
                        log.debug("saga {} aborting: {}", rec.gid(), abort.reason());
                        rec = next;
                    }
                    case Plan.Call call -> {
                        TransactionRecord leased = ensureLease(rec, def, p, now);
                        if (leased == null) {
                            end(null, DriveEnd.LOST);
                            return;
                        }
                        rec = leased;
                        for (BranchCall c : call.calls()) {
                            p = machine.started(p, c);
                            inFlight.add(c);
                            invoke(def, c, p.branch(c).attempts(), maxWaitMs(rec, def, clock.millis()))
                                    .thenAccept(r -> post(() -> answered(new Answer(c, r))));
                        }
                    }
                    case Plan.Wait wait -> {
                        if (!inFlight.isEmpty()) {
                            // an answer or the retry time, whichever comes first, steps again
                            if (wait.until() != Long.MAX_VALUE) {
                                timer = scheduler.schedule(wait.until() - now, () -> post(this::step));
                            }
                            return;
                        }
                        Long due = wait.until() == Long.MAX_VALUE ? null : wait.until();
                        TransactionRecord released = write(rec, rec.status(), p, false, due, rec.reason(), now);
                        if (released != null && due != null) {
                            hooks.wakeAt(due, released);
                        }
                        end(released, DriveEnd.WAITING);
                        return;
                    }
                }
            }
        }

        private void end(TransactionRecord after, DriveEnd end) {
            DriveEnd actual = after == null ? DriveEnd.LOST : end;
            TransStatus status = after == null ? rec.status() : after.status();
            if (timer != null) {
                timer.cancel();
            }
            hooks.ended(rec.gid(), status, actual);
            result.complete(new DriveResult(actual, status));
        }
    }

    private SagaProgress apply(SagaDefinition def, SagaProgress p, Answer a) {
        BranchTransport.Result r = a.result();
        if (r.outcome() != Outcome.SUCCESS) {
            if (a.call().compensating() && r.outcome() == Outcome.FAILURE) {
                log.warn("compensation of {} branch {} answered FAILURE; it will be retried until it succeeds: {}",
                        def.gid(), branchId(def, a.call()), r.detail());
            } else {
                log.debug("{} {} branch {}: {} {}", def.gid(), def.kind().op(a.call()).wire(),
                        branchId(def, a.call()), r.outcome(), r.detail());
            }
        }
        return r.waited() ? machine.unsent(def, p, a.call(), r.detail(), clock.millis())
                : machine.answered(def, p, a.call(), r.outcome(), r.detail(), clock.millis(), !r.notSent());
    }

    /**
     * A call may wait to be sent for half of what the lease leaves after its timeout and a margin: the other half
     * is for the store write after the answer, which under the same load is late too (with the whole of it, drives
     * overloaded PostgreSQL past their lease and recovery took their sagas over).
     */
    private static long maxWaitMs(TransactionRecord rec, SagaDefinition def, long now) {
        Long due = rec.nextDueAt();
        return due == null ? 0 : Math.max(0, (due - now - def.options().requestTimeoutMs() - LEASE_MARGIN_MS) / 2);
    }

    private static String branchId(SagaDefinition def, BranchCall c) {
        return c.isQueryPrepared() ? BranchCall.QUERY_PREPARED_BRANCH_ID : def.steps().get(c.step()).branchId();
    }

    private CompletableFuture<BranchTransport.Result> invoke(SagaDefinition def, BranchCall c, int attempt,
            long maxWaitMs) {
        String url;
        String payload;
        if (c.isQueryPrepared()) {
            url = def.options().queryPrepared();
            payload = "";
        } else {
            Step step = def.steps().get(c.step());
            url = c.compensating() ? step.compensate() : step.action();
            payload = step.payload();
        }
        if (url.isEmpty()) {
            // DTM's empty branch: nothing to call, done (a compensation without a URL is never planned)
            return CompletableFuture.completedFuture(new BranchTransport.Result(Outcome.SUCCESS, null));
        }
        BranchTransport.Request req = new BranchTransport.Request(url, def.gid(), def.type().wire(),
                branchId(def, c), def.kind().op(c), payload, def.options().branchHeaders(),
                def.options().requestTimeoutMs(), attempt, maxWaitMs, def.options().traceParent(),
                def.options().traceState(), def.kind().failureEnds(c));
        CompletableFuture<BranchTransport.Result> call;
        try {
            call = transport.call(req);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        return call.exceptionally(e -> new BranchTransport.Result(Outcome.TRANSIENT, "transport error: " + e));
    }

    private TransactionRecord ensureLease(TransactionRecord rec, SagaDefinition def, SagaProgress p, long now) {
        Long due = rec.nextDueAt();
        if (owner.equals(rec.owner()) && due != null && due - now >= def.options().requestTimeoutMs() + LEASE_MARGIN_MS) {
            return rec;
        }
        return write(rec, rec.status(), p, true, now + leaseMs(def), rec.reason(), now);
    }

    /**
     * Writes the next version of {@code cur}; {@code keep} says whether this instance keeps holding it.
     *
     * @return the stored record, or {@code null} if another writer got there first
     */
    private TransactionRecord write(TransactionRecord cur, TransStatus status, SagaProgress p, boolean keep, Long due,
            String reason, long now) {
        SagaProgress stored = keep ? p.held() : p.releasedAt(cur.version() + 1);
        TransactionRecord next = cur.next(status, ProgressCodec.encode(stored), keep ? owner : null, due, now, reason);
        if (!store.compareAndSet(next)) {
            log.info("saga {} was changed by another writer (version {} is stale); this drive stops",
                    cur.gid(), cur.version());
            return null;
        }
        return next;
    }
}
