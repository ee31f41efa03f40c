package dev.redsaga.server.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.redsaga.client.RedsagaClient;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.config.StoreFactory;
import dev.redsaga.server.engine.DriveListener;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.store.TransactionStore;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.ScriptedBranches;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * W3C trace context through a transaction: the {@code traceparent} of the submit is stored with it, and every
 * branch call — also one made by another instance after a restart — carries a child of it; with an OTLP endpoint
 * the spans of the submit and of each call are exported to it (a real OTLP/HTTP receiver here), the calls' spans
 * children of the submit's, and what the branch received is the exported call span. The Java SDK sends the
 * caller's current context.
 */
class TracingIT {
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String PARENT = "00f067aa0ba902b7";
    static final String TRACEPARENT = "00-" + TRACE + "-" + PARENT + "-01";
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final EngineOptions ENGINE = EngineOptions.builder().defaultRequestTimeoutMs(2_000)
            .defaultRetryIntervalMs(100).retryCapMs(1_000).leaseMs(5_000).claimBatch(100).pollIntervalMs(100)
            .maxConcurrentDrives(64).build();

    private static RedsagaServer start(TransactionStore store, String otlp) {
        return RedsagaServer.start(ServerConfig.builder().port(0).store("h2:mem:unused").engine(ENGINE)
                .maxRequestBytes(1 << 20).instanceId("tracing-" + UUID.randomUUID()).otlpEndpoint(otlp)
                .build(), store, false, new DriveListener() { });
    }

    private static TransactionStore store() {
        return StoreFactory.open("h2:mem:tracing-" + UUID.randomUUID(), 4);
    }

    private static String saga(ScriptedBranches b, String gid) {
        return "{\"gid\":\"" + gid + "\",\"trans_type\":\"saga\",\"steps\":["
                + "{\"action\":\"" + b.url("/" + gid + "/a1") + "\",\"compensate\":\"" + b.url("/" + gid + "/c1") + "\"},"
                + "{\"action\":\"" + b.url("/" + gid + "/a2") + "\",\"compensate\":\"" + b.url("/" + gid + "/c2") + "\"}],"
                + "\"payloads\":[\"{}\",\"{}\"]}";
    }

    private static HttpResponse<String> submit(RedsagaServer server, String body, String traceparent,
            String tracestate) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/dtmsvr/submit"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (traceparent != null) {
            b.header("traceparent", traceparent);
        }
        if (tracestate != null) {
            b.header("tracestate", tracestate);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String header(ScriptedBranches.Call call, String name) {
        List<String> values = call.headers().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                .findFirst().map(Map.Entry::getValue).orElse(List.of());
        return values.isEmpty() ? null : values.get(0);
    }

    private static List<ScriptedBranches.Call> callsOf(ScriptedBranches b, String gid, int atLeast) {
        Await.until(Duration.ofSeconds(20), atLeast + " calls of " + gid,
                () -> b.calls().stream().filter(c -> gid.equals(c.gid())).count() >= atLeast);
        return b.calls().stream().filter(c -> gid.equals(c.gid())).toList();
    }

    @Test
    void everyBranchCallCarriesAChildOfTheSubmitsTraceContext() throws Exception {
        try (ScriptedBranches b = new ScriptedBranches(); TransactionStore store = store();
                RedsagaServer server = start(store, null)) {
            b.script("/traced/a2", Answer.FAILURE); // so that the compensations are called too
            assertThat(submit(server, saga(b, "traced"), TRACEPARENT, "vendor=abc").statusCode()).isEqualTo(200);
            List<ScriptedBranches.Call> calls = callsOf(b, "traced", 4);
            assertThat(calls).extracting(ScriptedBranches.Call::op).containsExactly("action", "action",
                    "compensate", "compensate");
            java.util.Set<String> spanIds = new java.util.HashSet<>();
            for (ScriptedBranches.Call c : calls) {
                String tp = header(c, "traceparent");
                assertThat(tp).as(c.path()).matches("00-" + TRACE + "-[0-9a-f]{16}-01");
                assertThat(tp).doesNotContain(PARENT);
                spanIds.add(tp.substring(36, 52));
                assertThat(header(c, "tracestate")).isEqualTo("vendor=abc");
            }
            assertThat(spanIds).as("a span of its own for each call").hasSize(4);

            // no context, or one that does not follow the format: none is made up
            assertThat(submit(server, saga(b, "untraced"), null, null).statusCode()).isEqualTo(200);
            assertThat(submit(server, saga(b, "badly-traced"), "00-xyz-" + PARENT + "-01", "x=y").statusCode())
                    .isEqualTo(200);
            assertThat(callsOf(b, "untraced", 2)).allSatisfy(c -> assertThat(header(c, "traceparent")).isNull());
            assertThat(callsOf(b, "badly-traced", 2)).allSatisfy(c -> assertThat(header(c, "traceparent")).isNull());

            // the same saga sent again from another span is the same saga, not another one under its gid: it failed,
            // so it cannot be submitted (409, as DTM), rather than a gid taken by a different transaction (400)
            Await.until(Duration.ofSeconds(10), "traced to fail", () -> store.find("traced")
                    .map(r -> r.status() == TransStatus.FAILED).orElse(false));
            HttpResponse<String> again = submit(server, saga(b, "traced"), "00-" + TRACE + "-1111111111111111-01", null);
            assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
            assertThat(again.body()).contains("cannot be submitted").doesNotContain("different transaction");
        }
    }

    @Test
    void anotherInstanceRecoveringTheTransactionCallsItsBranchesInTheSameTrace() throws Exception {
        try (ScriptedBranches b = new ScriptedBranches(); TransactionStore store = store()) {
            b.script("/moved/a1", Answer.ERROR, Answer.ERROR, Answer.ERROR);
            try (RedsagaServer first = start(store, null)) {
                assertThat(submit(first, saga(b, "moved"), TRACEPARENT, null).statusCode()).isEqualTo(200);
                callsOf(b, "moved", 1);
            } // stopped: the saga is handed back to the store
            try (RedsagaServer second = start(store, null)) {
                List<ScriptedBranches.Call> calls = callsOf(b, "moved", 5);
                assertThat(calls).allSatisfy(c -> assertThat(header(c, "traceparent"))
                        .startsWith("00-" + TRACE + "-"));
                Await.until(Duration.ofSeconds(20), "the saga succeeds", () -> store.find("moved")
                        .map(r -> r.status().isTerminal()).orElse(false));
            }
        }
    }

    @Test
    void withAnOtlpEndpointTheSpansOfTheSubmitAndOfEachCallAreExported() throws Exception {
        List<io.opentelemetry.proto.trace.v1.Span> exported = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        receiver.createContext("/v1/traces", ex -> {
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(ex.getRequestBody().readAllBytes());
            for (ResourceSpans rs : request.getResourceSpansList()) {
                for (ScopeSpans ss : rs.getScopeSpansList()) {
                    exported.addAll(ss.getSpansList());
                }
            }
            byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            ex.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            ex.sendResponseHeaders(200, answer.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(answer);
            }
        });
        receiver.start();
        HexFormat hex = HexFormat.of();
        try (ScriptedBranches b = new ScriptedBranches(); TransactionStore store = store()) {
            try (RedsagaServer server = start(store, "http://127.0.0.1:" + receiver.getAddress().getPort()
                    + "/v1/traces")) {
                assertThat(submit(server, saga(b, "exported"), TRACEPARENT, null).statusCode()).isEqualTo(200);
                callsOf(b, "exported", 2);
                Await.until(Duration.ofSeconds(20), "the saga succeeds", () -> store.find("exported")
                        .map(r -> r.status().isTerminal()).orElse(false));
            } // stopping exports what is left
            io.opentelemetry.proto.trace.v1.Span submitSpan = exported.stream()
                    .filter(s -> s.getName().equals("redsaga submit")).findFirst().orElseThrow();
            assertThat(hex.formatHex(submitSpan.getTraceId().toByteArray())).isEqualTo(TRACE);
            assertThat(hex.formatHex(submitSpan.getParentSpanId().toByteArray())).isEqualTo(PARENT);
            assertThat(submitSpan.getKind()).isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER);

            List<io.opentelemetry.proto.trace.v1.Span> calls = exported.stream()
                    .filter(s -> s.getName().equals("redsaga action")).toList();
            assertThat(calls).hasSize(2).allSatisfy(s -> {
                assertThat(hex.formatHex(s.getTraceId().toByteArray())).isEqualTo(TRACE);
                assertThat(s.getParentSpanId()).isEqualTo(submitSpan.getSpanId());
                assertThat(s.getKind()).isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT);
                assertThat(s.getAttributesList()).anySatisfy(a -> {
                    assertThat(a.getKey()).isEqualTo("redsaga.gid");
                    assertThat(a.getValue().getStringValue()).isEqualTo("exported");
                });
            });
            // what each branch received is its call's exported span
            List<String> received = b.calls().stream().filter(c -> "exported".equals(c.gid()))
                    .map(c -> header(c, "traceparent").substring(36, 52)).toList();
            assertThat(received).containsExactlyInAnyOrderElementsOf(
                    calls.stream().map(s -> hex.formatHex(s.getSpanId().toByteArray())).toList());
        } finally {
            receiver.stop(0);
        }
    }

    /** Spans recorded by the application of the last test, not looked at. */
    static final class DiscardingExporter implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }

    @Test
    void theJavaSdkSubmitsInTheCallersCurrentTrace() throws Exception {
        try (ScriptedBranches b = new ScriptedBranches(); TransactionStore store = store();
                RedsagaServer server = start(store, null);
                // with a processor: a provider without any makes no-op spans
                SdkTracerProvider tracing = SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(new DiscardingExporter())).build()) {
            RedsagaClient client = RedsagaClient.builder(server.baseUrl()).build();
            Span span = tracing.get("test").spanBuilder("checkout").startSpan();
            try (Scope ignored = span.makeCurrent()) {
                client.saga("sdk-traced").step(b.url("/sdk/a"), b.url("/sdk/c"), "{}").submit();
            } finally {
                span.end();
            }
            assertThat(header(callsOf(b, "sdk-traced", 1).get(0), "traceparent"))
                    .startsWith("00-" + span.getSpanContext().getTraceId() + "-");
        }
    }
}
