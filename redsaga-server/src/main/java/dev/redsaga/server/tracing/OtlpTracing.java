package dev.redsaga.server.tracing;

import dev.redsaga.protocol.Outcome;
import dev.redsaga.server.engine.BranchTransport;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link Tracing} that records spans with the OpenTelemetry SDK and exports them in batches by OTLP over HTTP (to a
 * collector, Jaeger, Tempo...): a SERVER span for each request that creates a transaction, a CLIENT span for each
 * branch call, child of the transaction's. Spans carry the gid, branch id, op and outcome; never a payload.
 */
public final class OtlpTracing implements Tracing {
    private static final AttributeKey<String> GID = AttributeKey.stringKey("redsaga.gid");
    private static final AttributeKey<String> BRANCH_ID = AttributeKey.stringKey("redsaga.branch_id");
    private static final AttributeKey<String> OP = AttributeKey.stringKey("redsaga.op");
    private static final AttributeKey<String> TRANS_TYPE = AttributeKey.stringKey("redsaga.trans_type");
    private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("redsaga.attempt");
    private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("redsaga.outcome");
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final SdkTracerProvider provider;
    private final Tracer tracer;

    /**
     * @param endpoint   the OTLP/HTTP traces endpoint, e.g. {@code http://127.0.0.1:4318/v1/traces}
     * @param instanceId this coordinator instance, as the spans' {@code service.instance.id}
     */
    public OtlpTracing(String endpoint, String instanceId) {
        this.provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
                        AttributeKey.stringKey("service.name"), "redsaga",
                        AttributeKey.stringKey("service.instance.id"), instanceId))))
                .addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                        .setEndpoint(endpoint).setTimeout(Duration.ofSeconds(10)).build())
                        .setScheduleDelay(Duration.ofSeconds(1)).build())
                .build();
        this.tracer = provider.get("dev.redsaga.server");
    }

    @Override
    public RequestSpan request(String name, String gid, TraceContext incoming) {
        Span span = tracer.spanBuilder("redsaga " + name).setSpanKind(SpanKind.SERVER).setParent(parent(incoming))
                .setAttribute(GID, gid).startSpan();
        return new RequestSpan(contextOf(span), httpStatus -> {
            span.setAttribute(STATUS, (long) httpStatus);
            if (httpStatus >= 500) {
                span.setStatus(StatusCode.ERROR);
            }
            span.end();
        });
    }

    @Override
    public BranchSpan branchCall(BranchTransport.Request r) {
        Span span = tracer.spanBuilder("redsaga " + r.op().wire()).setSpanKind(SpanKind.CLIENT)
                .setParent(parent(new TraceContext(r.traceParent(), r.traceState())))
                .setAttribute(GID, r.gid()).setAttribute(BRANCH_ID, r.branchId()).setAttribute(OP, r.op().wire())
                .setAttribute(TRANS_TYPE, r.transType()).setAttribute(ATTEMPT, (long) r.attempt()).startSpan();
        return new BranchSpan(Tracing.headers(contextOf(span)), result -> {
            span.setAttribute(OUTCOME, result.waited() ? "unsent" : result.outcome().name().toLowerCase(Locale.ROOT));
            if (result.outcome() != Outcome.SUCCESS) {
                // FAILURE is the branch's business answer; anything else is trouble on the way
                span.setStatus(result.outcome() == Outcome.FAILURE ? StatusCode.UNSET : StatusCode.ERROR,
                        result.detail() == null ? "" : result.detail());
            }
            span.end();
        });
    }

    private static Context parent(TraceContext incoming) {
        if (!incoming.isPresent()) {
            return Context.root();
        }
        Map<String, String> carrier = new HashMap<>(Tracing.headers(incoming));
        return W3C.extract(Context.root(), carrier, GETTER);
    }

    private static TraceContext contextOf(Span span) {
        Map<String, String> carrier = new HashMap<>();
        W3C.inject(Context.root().with(span), carrier, Map::put);
        return TraceContext.of(carrier.get("traceparent"), carrier.get("tracestate"));
    }

    /** Exports what is left, waiting up to 5 s. */
    @Override
    public void close() {
        provider.shutdown().join(5, TimeUnit.SECONDS);
    }
}
