package dev.redsaga.server.metrics;

import dev.redsaga.server.engine.BranchTransport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A transport that times each branch call from the engine's request to its classified answer
 * ({@code redsaga.branch.calls}, by transaction type, op and outcome) and counts the retries (calls of a branch
 * that had answered before). Tags are the op and the outcome, never the URL or the gid: a metric per
 * destination or per transaction would grow without bound.
 */
final class MeteredBranchTransport implements BranchTransport {
    /** Upper bounds of the latency buckets: up to the longest request timeout a transaction may ask for. */
    private static final Duration[] BUCKETS = MeteredTransactionStore.buckets(5, 10, 25, 50, 100, 250, 500, 1_000,
            2_500, 5_000, 10_000, 30_000, 60_000);

    private final BranchTransport delegate;
    private final MeterRegistry registry;
    private final Map<List<String>, Timer> timers = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> retries = new ConcurrentHashMap<>();

    MeteredBranchTransport(BranchTransport delegate, MeterRegistry registry) {
        this.delegate = delegate;
        this.registry = registry;
    }

    @Override
    public CompletableFuture<Result> call(Request request) {
        long start = System.nanoTime();
        String type = request.transType();
        String op = request.op().wire();
        if (request.attempt() > 0) {
            retries.computeIfAbsent(List.of(type, op), k -> Counter.builder("redsaga.branch.retries")
                    .description("branch calls made again after an earlier answer that was not final, by "
                            + "transaction type and op")
                    .tag("type", type)
                    .tag("op", op)
                    .register(registry)).increment();
        }
        return delegate.call(request).whenComplete((result, error) -> {
            // "unsent": it waited its whole turn for a busy destination and was never sent
            String outcome = result == null ? "transient"
                    : result.waited() ? "unsent" : result.outcome().name().toLowerCase(Locale.ROOT);
            timers.computeIfAbsent(List.of(type, op, outcome), k -> Timer.builder("redsaga.branch.calls")
                    .description("branch calls by transaction type, op and outcome (success, failure, ongoing, "
                            + "transient: no answer, an error or a timeout; unsent: the destination stayed busy)")
                    .tag("type", type)
                    .tag("op", op)
                    .tag("outcome", outcome)
                    .serviceLevelObjectives(BUCKETS)
                    .register(registry)).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        });
    }
}
