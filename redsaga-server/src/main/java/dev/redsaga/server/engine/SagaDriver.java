package dev.redsaga.server.engine;

import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.engine.DriveListener.DriveEnd;
import dev.redsaga.server.engine.DriveListener.DriveResult;
import dev.redsaga.server.store.StoreException;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the {@link SagaMachine}'s plans for one transaction this instance holds: makes the branch calls,
 * feeds the answers back, and writes every decision before the calls it implies. Every write is a
 * compare-and-set on the version this driver last wrote, so a driver that lost its lease (paused, partitioned,
 * fenced off by an abort) stops at its next write instead of overwriting newer state.
 */
final class SagaDriver {
    private static final Logger log = LoggerFactory.getLogger(SagaDriver.class);
    /** Renew the lease when less than a call's timeout plus this margin is left. */
    private static final long LEASE_MARGIN_MS = 1_000;

    private final TransactionStore store;
    private final BranchTransport transport;
    private final SagaMachine machine;
    private final InstantSource clock;
    private final Executor callExecutor;
    private final EngineOptions options;
    private final String owner;
    private final Hooks hooks;
    private volatile boolean stopping;

    /** What the driver asks of its engine. */
    interface Hooks {
        /** {@code released} waits for {@code dueAt}; try to take it back then. */
        void wakeAt(long dueAt, TransactionRecord released);

        void ended(String gid, TransStatus status, DriveEnd end);
    }

    SagaDriver(TransactionStore store, BranchTransport transport, SagaMachine machine, InstantSource clock,
            Executor callExecutor, EngineOptions options, String owner, Hooks hooks) {
        this.store = store;
        this.transport = transport;
        this.machine = machine;
        this.clock = clock;
        this.callExecutor = callExecutor;
        this.options = options;
        this.owner = owner;
        this.hooks = hooks;
    }

    void stop() {
        stopping = true;
    }

    /** Lease to take for a transaction: long enough for at least two calls. */
    long leaseMs(SagaDefinition def) {
        return Math.max(options.leaseMs(), 2 * def.options().requestTimeoutMs() + LEASE_MARGIN_MS);
    }

    /** Drives {@code t}, which this instance holds, until it finishes, waits, is handed back or is lost. */
    DriveResult drive(Transaction t) {
        TransactionRecord rec = t.record();
        DriveResult lost = new DriveResult(DriveEnd.LOST, rec.status());
        try {
            return run(t);
        } catch (StoreException e) {
            // the lease will expire and recovery (here or elsewhere) takes over, marking the progress uncertain
            log.warn("store failed while driving {}; leaving it to recovery: {}", rec.gid(), e.getMessage());
            return lost;
        } catch (RuntimeException e) {
            log.error("unexpected error while driving {}; leaving it to recovery", rec.gid(), e);
            return lost;
        }
    }

    private record Answer(BranchCall call, BranchTransport.Result result) {
    }

    private DriveResult run(Transaction t) {
        SagaDefinition def = t.definition();
        TransactionRecord rec = t.record();
        SagaProgress p = t.progress();
        Set<BranchCall> inFlight = new HashSet<>();
        LinkedBlockingQueue<Answer> answers = new LinkedBlockingQueue<>();
        while (true) {
            Answer answer;
            while ((answer = answers.poll()) != null) {
                inFlight.remove(answer.call());
                p = apply(def, p, answer);
            }
            long now = clock.millis();
            if (stopping) {
                if (!inFlight.isEmpty()) {
                    p = awaitAnswer(def, p, inFlight, answers, def.options().requestTimeoutMs());
                    continue;
                }
                return endWith(rec, write(rec, rec.status(), p, false, now, rec.reason(), now), DriveEnd.HANDED_BACK);
            }
            Plan plan = machine.plan(def, rec.status(), p, rec.createdAt(), now, inFlight);
            switch (plan) {
                case Plan.Done done -> {
                    return endWith(rec, rec, DriveEnd.FINISHED);
                }
                case Plan.Finish finish -> {
                    if (!inFlight.isEmpty()) {
                        p = awaitAnswer(def, p, inFlight, answers, def.options().requestTimeoutMs());
                        continue;
                    }
                    String reason = finish.reason() != null ? finish.reason() : rec.reason();
                    return endWith(rec, write(rec, finish.status(), p, false, null, reason, now), DriveEnd.FINISHED);
                }
                case Plan.Abort abort -> {
                    // no compensation may start while an action is still in flight
                    if (!inFlight.isEmpty()) {
                        p = awaitAnswer(def, p, inFlight, answers, def.options().requestTimeoutMs());
                        continue;
                    }
                    TransactionRecord next = write(rec, TransStatus.ABORTING, p, true, now + leaseMs(def),
                            abort.reason(), now);
                    if (next == null) {
                        return endWith(rec, null, DriveEnd.LOST);
                    }
                    log.debug("saga {} aborting: {}", rec.gid(), abort.reason());
                    rec = next;
                }
                case Plan.Call call -> {
                    TransactionRecord leased = ensureLease(rec, def, p, now);
                    if (leased == null) {
                        return endWith(rec, null, DriveEnd.LOST);
                    }
                    rec = leased;
                    if (call.calls().size() == 1 && inFlight.isEmpty()) {
                        // the common sequential case: call on this (virtual) thread, no hand-off
                        BranchCall c = call.calls().getFirst();
                        p = machine.started(p, c);
                        p = apply(def, p, new Answer(c, invoke(def, rec, c)));
                        continue;
                    }
                    for (BranchCall c : call.calls()) {
                        p = machine.started(p, c);
                        inFlight.add(c);
                        TransactionRecord r = rec;
                        callExecutor.execute(() -> answers.add(new Answer(c, invoke(def, r, c))));
                    }
                }
                case Plan.Wait wait -> {
                    if (!inFlight.isEmpty()) {
                        long bound = Math.min(wait.until() - now, def.options().requestTimeoutMs() + LEASE_MARGIN_MS);
                        p = awaitAnswer(def, p, inFlight, answers, Math.max(bound, 1));
                        continue;
                    }
                    Long due = wait.until() == Long.MAX_VALUE ? null : wait.until();
                    TransactionRecord released = write(rec, rec.status(), p, false, due, rec.reason(), now);
                    if (released != null && due != null) {
                        hooks.wakeAt(due, released);
                    }
                    return endWith(rec, released, DriveEnd.WAITING);
                }
            }
        }
    }

    private SagaProgress apply(SagaDefinition def, SagaProgress p, Answer a) {
        BranchTransport.Result r = a.result();
        if (r.outcome() != Outcome.SUCCESS) {
            if (a.call().compensating() && r.outcome() == Outcome.FAILURE) {
                log.warn("compensation of {} branch {} answered FAILURE; it will be retried until it succeeds: {}",
                        def.gid(), def.steps().get(a.call().step()).branchId(), r.detail());
            } else {
                log.debug("{} {} branch {}: {} {}", def.gid(), a.call().op().wire(),
                        def.steps().get(a.call().step()).branchId(), r.outcome(), r.detail());
            }
        }
        return machine.answered(def, p, a.call(), r.outcome(), r.detail(), clock.millis());
    }

    private SagaProgress awaitAnswer(SagaDefinition def, SagaProgress p, Set<BranchCall> inFlight,
            LinkedBlockingQueue<Answer> answers, long timeoutMs) {
        try {
            Answer a = answers.poll(timeoutMs, TimeUnit.MILLISECONDS);
            if (a == null) {
                return p;
            }
            inFlight.remove(a.call());
            return apply(def, p, a);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for branch answers", e);
        }
    }

    private BranchTransport.Result invoke(SagaDefinition def, TransactionRecord rec, BranchCall c) {
        Step step = def.steps().get(c.step());
        BranchTransport.Request req = new BranchTransport.Request(
                c.compensating() ? step.compensate() : step.action(), def.gid(), TransRequest.TRANS_TYPE_SAGA,
                step.branchId(), c.op(), step.payload(), def.options().branchHeaders(),
                def.options().requestTimeoutMs());
        try {
            return transport.call(req);
        } catch (RuntimeException e) {
            return new BranchTransport.Result(Outcome.TRANSIENT, "transport error: " + e);
        }
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

    private DriveResult endWith(TransactionRecord before, TransactionRecord after, DriveEnd end) {
        DriveEnd actual = after == null ? DriveEnd.LOST : end;
        TransStatus status = after == null ? before.status() : after.status();
        hooks.ended(before.gid(), status, actual);
        return new DriveResult(actual, status);
    }
}
