package dev.redsaga.chaos;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on 127.0.0.1 between the coordinators and a service, which injects network faults into the bytes it
 * forwards: latency on every chunk, connection resets (a request or its answer cut off: the service may have
 * committed and its answer is lost), and black holes (a connection that swallows everything from then on, so the
 * caller sees only its own timeout). A service that is down shows as a reset, as a refused connection would.
 */
final class FaultProxy implements AutoCloseable {

    /**
     * @param maxLatencyMs  each forwarded chunk waits a uniform 0..max ms
     * @param resetRate     share of chunks (either direction) at which the connection is reset instead
     * @param blackholeRate share of request chunks at which the connection starts swallowing everything
     */
    record Faults(int maxLatencyMs, double resetRate, double blackholeRate) {
        static final Faults NONE = new Faults(0, 0, 0);
    }

    private final int port;
    private final int targetPort;
    private final ServerSocket listener;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong injected = new AtomicLong();
    private final SplittableRandom seeds;
    private volatile Faults faults = Faults.NONE;
    private volatile boolean closed;

    FaultProxy(int port, int targetPort, long seed) throws IOException {
        this.port = port;
        this.targetPort = targetPort;
        this.seeds = new SplittableRandom(seed);
        this.listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 512);
        Thread.ofVirtual().name("proxy-" + port).start(this::acceptLoop);
    }

    int port() {
        return port;
    }

    void faults(Faults f) {
        this.faults = f;
    }

    /** Resets and black holes injected so far. */
    long injected() {
        return injected.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            SplittableRandom random;
            synchronized (seeds) {
                random = seeds.split();
            }
            Thread.ofVirtual().start(() -> connect(client, random));
        }
    }

    private void connect(Socket client, SplittableRandom random) {
        open.add(client);
        Socket upstream = new Socket();
        try {
            upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 1_000);
        } catch (IOException e) {
            reset(client);
            closeQuietly(upstream);
            open.remove(client);
            return;
        }
        open.add(upstream);
        Connection c = new Connection(client, upstream, random);
        Thread.ofVirtual().start(() -> c.pump(upstream, client, false));
        c.pump(client, upstream, true);
    }

    /** One proxied connection: two pumps and the fate they share. */
    private final class Connection {
        private final Socket client;
        private final Socket upstream;
        private final SplittableRandom random;
        private volatile boolean blackhole;

        Connection(Socket client, Socket upstream, SplittableRandom random) {
            this.client = client;
            this.upstream = upstream;
            this.random = random;
        }

        void pump(Socket from, Socket to, boolean request) {
            byte[] buf = new byte[16 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    Faults f = faults;
                    double resetDraw;
                    double holeDraw;
                    int delay;
                    synchronized (random) {
                        resetDraw = random.nextDouble();
                        holeDraw = random.nextDouble();
                        delay = f.maxLatencyMs() > 0 ? random.nextInt(f.maxLatencyMs() + 1) : 0;
                    }
                    if (request && !blackhole && holeDraw < f.blackholeRate()) {
                        blackhole = true;
                        injected.incrementAndGet();
                    }
                    if (blackhole) {
                        continue; // swallowed; the caller's timeout ends it
                    }
                    if (resetDraw < f.resetRate()) {
                        injected.incrementAndGet();
                        reset(client);
                        reset(upstream);
                        return;
                    }
                    if (delay > 0) {
                        Thread.sleep(delay);
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // the other side closed or was reset: so is this one, below
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            closeQuietly(client);
            closeQuietly(upstream);
            open.remove(client);
            open.remove(upstream);
        }
    }

    /** Closes with SO_LINGER 0: the peer gets a RST, as from a crashed host or a middlebox. */
    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (IOException e) {
            // already closed
        }
        closeQuietly(s);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            // nothing to do
        }
        for (Socket s : open) {
            closeQuietly(s);
        }
    }
}
