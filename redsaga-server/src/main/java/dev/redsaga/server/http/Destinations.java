package dev.redsaga.server.http;

import dev.redsaga.server.config.FlowControl;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.eclipse.jetty.util.thread.Scheduler;

/** The gate of every branch destination called so far; idle ones are forgotten once there are many. */
final class Destinations {
    /** Destinations remembered before idle ones are dropped (submitters choose the URLs). */
    private static final int MAX_REMEMBERED = 10_000;

    private final FlowControl flow;
    private final Scheduler scheduler;
    private final Executor executor;
    private final ConcurrentHashMap<String, Destination> byKey = new ConcurrentHashMap<>();

    Destinations(FlowControl flow, Scheduler scheduler, Executor executor) {
        this.flow = flow;
        this.scheduler = scheduler;
        this.executor = executor;
    }

    Destination of(String scheme, String host, int port) {
        // on every call: the plain key; the printable name (a regex) only when a destination is new
        String key = scheme.toLowerCase(Locale.ROOT) + "://" + host.toLowerCase(Locale.ROOT) + ":" + port;
        Destination d = byKey.get(key);
        if (d != null) {
            return d;
        }
        if (byKey.size() >= MAX_REMEMBERED) {
            byKey.values().removeIf(Destination::idle);
        }
        return byKey.computeIfAbsent(key, k -> new Destination(RemoteText.printable(k, 300), flow, scheduler,
                executor));
    }
}
