package dev.redsaga.server.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Keeps a few clients from holding every connection (slowloris): each address may hold at most a share of the
 * connections, and a request head must arrive whole within {@link #HEAD_DEADLINE_MS} of its first byte (of the
 * connection's opening, for its first request). Jetty's idle timeout alone let a client that sends one header line
 * every 25 s hold a connection for ever, and twenty of them took every connection the server had.
 *
 * <p>What is watched: a connection whose answered requests equal its received ones has no request in flight; bytes
 * arriving then are a new head. A request in flight (its body, the handler's work, a long {@code wait_result}) is
 * never cut here: the body is bounded in size and read under the idle timeout.
 */
final class SlowClientGuard extends AbstractLifeCycle implements Connection.Listener {
    static final long HEAD_DEADLINE_MS = 10_000;
    private static final long SWEEP_MS = 500;

    private final Scheduler scheduler;
    private final int maxPerAddress;
    private final Map<Connection, Watch> open = new ConcurrentHashMap<>();
    private final Map<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();

    /** What the sweep last saw of a connection. */
    private static final class Watch {
        final InetAddress address;
        long answered = -1;
        long bytesWhenIdle;
        long waitingSince;

        Watch(InetAddress address, long now) {
            this.address = address;
            this.waitingSince = now;
        }
    }

    SlowClientGuard(Scheduler scheduler, int maxPerAddress) {
        this.scheduler = scheduler;
        this.maxPerAddress = maxPerAddress;
    }

    @Override
    protected void doStart() {
        scheduler.schedule(this::sweep, SWEEP_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onOpened(Connection connection) {
        InetAddress address = addressOf(connection.getEndPoint().getRemoteSocketAddress());
        int held = address == null ? 0
                : perAddress.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
        open.put(connection, new Watch(address, System.nanoTime()));
        if (held > maxPerAddress) {
            connection.getEndPoint().close(); // onClosed gives the place back
        }
    }

    @Override
    public void onClosed(Connection connection) {
        Watch w = open.remove(connection);
        if (w != null && w.address != null) {
            perAddress.computeIfPresent(w.address, (a, n) -> n.decrementAndGet() <= 0 ? null : n);
        }
    }

    private void sweep() {
        if (!isRunning()) {
            return;
        }
        try {
            long now = System.nanoTime();
            for (Map.Entry<Connection, Watch> e : open.entrySet()) {
                Connection c = e.getKey();
                Watch w = e.getValue();
                long received = c.getMessagesIn();
                long answered = c.getMessagesOut();
                long bytes = c.getBytesIn();
                if (received > answered) {
                    w.answered = -1; // a request in flight: not a head
                } else if (w.answered != answered) {
                    w.answered = answered; // idle from here: what arrives next is a head
                    w.bytesWhenIdle = bytes;
                    w.waitingSince = received == 0 ? w.waitingSince : now;
                } else if ((received == 0 || bytes > w.bytesWhenIdle)
                        && now - w.waitingSince > TimeUnit.MILLISECONDS.toNanos(HEAD_DEADLINE_MS)) {
                    c.getEndPoint().close();
                } else if (received > 0 && bytes == w.bytesWhenIdle) {
                    w.waitingSince = now; // idle between requests: the idle timeout's business
                }
            }
        } finally {
            if (isRunning()) {
                scheduler.schedule(this::sweep, SWEEP_MS, TimeUnit.MILLISECONDS);
            }
        }
    }

    private static InetAddress addressOf(SocketAddress a) {
        return a instanceof InetSocketAddress i ? i.getAddress() : null;
    }
}
