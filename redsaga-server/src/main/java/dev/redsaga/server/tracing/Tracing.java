package dev.redsaga.server.tracing;

import dev.redsaga.server.engine.BranchTransport;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * How transactions join their callers' traces (W3C trace context). A request that creates a transaction (submit,
 * prepare) has a span whose context is stored with the transaction; every branch call of it, by whichever instance
 * drives it, even after a restart, is a child span of that context, sent to the branch as {@code traceparent} and
 * {@code tracestate}. {@link #propagating()} only passes the context on (a new span id for each call, nothing
 * recorded); {@link OtlpTracing} also records the spans and exports them by OTLP.
 */
public interface Tracing extends AutoCloseable {

    /**
     * A request that creates or starts a transaction, from a caller whose context is {@code incoming}.
     *
     * @param name the route, e.g. {@code submit}
     */
    RequestSpan request(String name, String gid, TraceContext incoming);

    /** A call of a branch; its headers go with the request. */
    BranchSpan branchCall(BranchTransport.Request request);

    @Override
    void close();

    /**
     * The span of a request.
     *
     * @param context what the transaction stores: its branch calls descend from it
     * @param ending  ends the span with the request's HTTP status
     */
    record RequestSpan(TraceContext context, IntConsumer ending) {
        public void end(int httpStatus) {
            ending.accept(httpStatus);
        }
    }

    /**
     * The span of a branch call.
     *
     * @param headers {@code traceparent} (and {@code tracestate}) to send; empty when the transaction has no context
     * @param ending  ends the span with the call's answer
     */
    record BranchSpan(Map<String, String> headers, Consumer<BranchTransport.Result> ending) {
        public void end(BranchTransport.Result result) {
            ending.accept(result);
        }
    }

    /** W3C propagation only: nothing recorded or exported, a random span id for each branch call. */
    static Tracing propagating() {
        return new Tracing() {
            @Override
            public RequestSpan request(String name, String gid, TraceContext incoming) {
                return new RequestSpan(incoming, status -> { });
            }

            @Override
            public BranchSpan branchCall(BranchTransport.Request request) {
                TraceContext parent = new TraceContext(request.traceParent(), request.traceState());
                return new BranchSpan(parent.isPresent() ? headers(parent.child(randomSpanId())) : Map.of(),
                        result -> { });
            }

            @Override
            public void close() {
            }
        };
    }

    /** The headers that carry {@code context}. */
    static Map<String, String> headers(TraceContext context) {
        return context.traceState().isEmpty() ? Map.of("traceparent", context.traceParent())
                : Map.of("traceparent", context.traceParent(), "tracestate", context.traceState());
    }

    /** 16 random hex digits, never all zero. */
    static String randomSpanId() {
        long id;
        do {
            id = java.util.concurrent.ThreadLocalRandom.current().nextLong();
        } while (id == 0);
        return String.format("%016x", id);
    }
}
