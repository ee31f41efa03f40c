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
    private final ConcurrentHashMap<String, Destination> byName = new ConcurrentHashMap<>();

    Destinations(FlowControl flow, Scheduler scheduler, Executor executor) {
        this.flow = flow;
        this.scheduler = scheduler;
        this.executor = executor;
    }

    Destination of(String scheme, String host, int port) {
        String name = RemoteText.printable(scheme.toLowerCase(Locale.ROOT) + "://" + host.toLowerCase(Locale.ROOT)
                + ":" + port, 300);
        Destination d = byName.get(name);
        if (d != null) {
            return d;
        }
        if (byName.size() >= MAX_REMEMBERED) {
            byName.values().removeIf(Destination::idle);
        }
        return byName.computeIfAbsent(name, n -> new Destination(n, flow, scheduler, executor));
    }
}
