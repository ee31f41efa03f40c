package dev.redsaga.client.internal;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import java.net.http.HttpRequest;

/**
 * The caller's current trace context, as W3C {@code traceparent}/{@code tracestate} headers, when the application
 * runs OpenTelemetry (its API on the classpath: the agent, the SDK, Spring Boot's tracing); nothing otherwise. So a
 * transaction submitted inside a span belongs to its trace, and so do its branch calls.
 */
public final class TraceHeaders {
    private static final boolean OPEN_TELEMETRY = present("io.opentelemetry.context.Context")
            && present("io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator");

    private TraceHeaders() {
    }

    /** Adds the current context's headers to {@code request} (none when there is no current span). */
    public static HttpRequest.Builder addTo(HttpRequest.Builder request) {
        if (OPEN_TELEMETRY) {
            OpenTelemetry.inject(request);
        }
        return request;
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, TraceHeaders.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Loaded only when OpenTelemetry's API is there. */
    private static final class OpenTelemetry {
        static void inject(HttpRequest.Builder request) {
            W3CTraceContextPropagator.getInstance().inject(Context.current(), request, HttpRequest.Builder::header);
        }
    }
}
