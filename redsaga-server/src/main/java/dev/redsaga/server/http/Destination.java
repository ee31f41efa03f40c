package dev.redsaga.server.http;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.AIMDLimit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import dev.redsaga.server.config.FlowControl;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gate in front of one branch destination (scheme, host and port). A call passes three checks before it is
 * sent:
 * <ol>
 * <li>the circuit (Resilience4j's {@link CircuitBreaker}): open once most of the last calls could not connect (a
 *     dead or unreachable service; a slow or failing one is the limit's business), it refuses every call for a
 *     while, then lets a few probes through and closes when they are answered;</li>
 * <li>the {@link RetryBudget}, for retries;</li>
 * <li>the in-flight limit (Netflix's concurrency-limits, {@link AIMDLimit}): it grows by one while calls are
 *     answered and the limit is in use, and shrinks by a tenth on every timeout, failed connection or 5xx. A call
 *     beyond it waits here, first come first served, for at most the time it was given — in the coordinator,
 *     where waiting costs a queue entry, instead of in the service's queue, where it costs a thread.</li>
 * </ol>
 * A call refused by any of them is not sent: the service sees nothing, and the saga retries at its next due time.
 */
final class Destination {
    private static final Logger log = LoggerFactory.getLogger(Destination.class);
    /** What the circuit records for a failed call (the cause is already in the branch's answer). */
    private static final Exception UNREACHABLE = new Exception("could not connect", null, false, false) { };

    /** How a sent call ended, for the limit, the circuit and the budget. */
    enum Verdict {
        /** the service answered (success, business failure, ongoing): it is working */
        ANSWERED,
        /** no answer in time, or a 5xx: it is failing or overloaded */
        FAILED,
        /** the connection failed (refused, reset, unreachable): it may be down */
        UNREACHABLE,
        /** it turned out not to be sent after all (the address was refused) */
        NOT_SENT
    }

    /** Leave to send one call; {@link #finished} must be called once, when the call ends. */
    interface Pass {
        void finished(Verdict verdict);
    }

    /** The result of {@link #enter}: a pass, or why the call may not be sent now and whether it waited first. */
    record Entry(Pass pass, String refusal, boolean waited) {
        Entry(Pass pass, String refusal) {
            this(pass, refusal, false);
        }
    }

    private final String name;
    private final SimpleLimiter<Void> limiter;
    private final CircuitBreaker circuit;
    private final RetryBudget budget;
    private final Scheduler scheduler;
    private final Executor executor;
    /** Calls waiting for the limit, oldest first; a waiter that timed out stays until it reaches the head. */
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();

    Destination(String name, FlowControl flow, Scheduler scheduler, Executor executor) {
        this.name = name;
        this.scheduler = scheduler;
        this.executor = executor;
        this.limiter = SimpleLimiter.newBuilder().named(name)
                .limit(AIMDLimit.newBuilder()
                        .minLimit(flow.minLimit()).initialLimit(flow.initialLimit()).maxLimit(flow.maxLimit())
                        // only failures shrink the limit: a slow answer within its timeout is an answer
                        .timeout(1, TimeUnit.HOURS)
                        .build())
                .build();
        this.circuit = CircuitBreaker.of(name, CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(flow.circuitWindow())
                .minimumNumberOfCalls(flow.circuitWindow() / 2)
                .failureRateThreshold(flow.circuitFailurePercent())
                .waitDurationInOpenState(flow.circuitOpenTime())
                .permittedNumberOfCallsInHalfOpenState(3)
                .build());
        circuit.getEventPublisher().onStateTransition(e -> {
            switch (e.getStateTransition().getToState()) {
                case OPEN -> log.warn("branch destination {}: most of the last calls could not connect; circuit open,"
                        + " calls wait for the next probe", name);
                case CLOSED -> log.info("branch destination {}: answering again; circuit closed", name);
                default -> { }
            }
        });
        this.budget = new RetryBudget(flow.retryShare(), flow.retryFloor(), flow.retryBurst(), System.nanoTime());
    }

    /**
     * Asks to send one call.
     *
     * @param retry  whether the branch was called before (retries draw on the budget)
     * @param waitMs how long the call may wait for the in-flight limit
     * @return completes within {@code waitMs} (and on the caller's thread when there is no wait)
     */
    CompletableFuture<Entry> enter(boolean retry, long waitMs) {
        if (!circuit.tryAcquirePermission()) {
            return CompletableFuture.completedFuture(new Entry(null, "the circuit to " + name
                    + " is open (most of the last calls could not connect); waiting for a probe to be answered"));
        }
        if (retry && !budget.tryRetry(System.nanoTime())) {
            circuit.releasePermission();
            return CompletableFuture.completedFuture(new Entry(null, "the retry budget of " + name
                    + " is spent (too many retries failed); retried later"));
        }
        Waiter w = new Waiter(retry);
        synchronized (this) {
            if (waiting.isEmpty()) {
                Optional<Limiter.Listener> listener = limiter.acquire(null);
                if (listener.isPresent()) {
                    w.settled.set(true);
                    return CompletableFuture.completedFuture(new Entry(new CallPass(listener.get(), retry), null));
                }
            }
            waiting.add(w);
        }
        w.timer = scheduler.schedule(() -> expire(w, waitMs), waitMs, TimeUnit.MILLISECONDS);
        admitWaiting(); // a call may have ended between the failed acquire and the add
        return w.future;
    }

    int limit() {
        return limiter.getLimit();
    }

    int inFlight() {
        return limiter.getInflight();
    }

    synchronized int waiting() {
        int n = 0;
        for (Waiter w : waiting) {
            n += w.settled.get() ? 0 : 1;
        }
        return n;
    }

    CircuitBreaker.State circuitState() {
        return circuit.getState();
    }

    /** Nothing in flight, nobody waiting, circuit closed: forgetting this destination loses nothing. */
    boolean idle() {
        return inFlight() == 0 && waiting() == 0 && circuit.getState() == CircuitBreaker.State.CLOSED;
    }

    private void expire(Waiter w, long waitMs) {
        if (!w.settled.compareAndSet(false, true)) {
            return;
        }
        circuit.releasePermission();
        if (w.retry) {
            budget.refund();
        }
        w.future.complete(new Entry(null, "waited " + waitMs + " ms while " + limiter.getLimit() + " calls to "
                + name + " were in flight (its current limit); retried later", true));
    }

    /** Lets waiting calls go while the limit allows. */
    private void admitWaiting() {
        List<Runnable> admitted = new ArrayList<>();
        synchronized (this) {
            while (!waiting.isEmpty()) {
                Waiter w = waiting.peek();
                if (w.settled.get()) {
                    waiting.poll();
                    continue;
                }
                Optional<Limiter.Listener> listener = limiter.acquire(null);
                if (listener.isEmpty()) {
                    break;
                }
                waiting.poll();
                if (!w.settled.compareAndSet(false, true)) {
                    listener.get().onIgnore();
                    continue;
                }
                CallPass pass = new CallPass(listener.get(), w.retry);
                admitted.add(() -> {
                    Scheduler.Task timer = w.timer;
                    if (timer != null) {
                        timer.cancel();
                    }
                    w.future.complete(new Entry(pass, null));
                });
            }
        }
        // outside the lock, and each on its own task: completing starts the call, whose end (at once, if it is
        // refused before the network) admits the next — run inline, that would recurse once per waiting call
        admitted.forEach(executor::execute);
    }

    private static final class Waiter {
        final boolean retry;
        final AtomicBoolean settled = new AtomicBoolean();
        final CompletableFuture<Entry> future = new CompletableFuture<>();
        volatile Scheduler.Task timer;

        Waiter(boolean retry) {
            this.retry = retry;
        }
    }

    private final class CallPass implements Pass {
        private final Limiter.Listener listener;
        private final boolean retry;
        private final long startedAt = System.nanoTime();
        private final AtomicBoolean done = new AtomicBoolean();

        CallPass(Limiter.Listener listener, boolean retry) {
            this.listener = listener;
            this.retry = retry;
        }

        @Override
        public void finished(Verdict verdict) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            long took = System.nanoTime() - startedAt;
            switch (verdict) {
                case ANSWERED -> {
                    budget.answered(retry);
                    listener.onSuccess();
                    circuit.onSuccess(took, TimeUnit.NANOSECONDS);
                }
                case FAILED -> {
                    listener.onDropped();
                    // slow or failing is not down: the limit and the budget deal with it, not the circuit
                    circuit.onSuccess(took, TimeUnit.NANOSECONDS);
                }
                case UNREACHABLE -> {
                    listener.onDropped();
                    circuit.onError(took, TimeUnit.NANOSECONDS, UNREACHABLE);
                }
                case NOT_SENT -> {
                    listener.onIgnore();
                    circuit.releasePermission();
                    if (retry) {
                        budget.refund();
                    }
                }
            }
            admitWaiting();
        }
    }
}
