package dev.redsaga.chaos;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Runs a coordinator out of memory the way a crowded host sees it happen: many large requests in flight at once.
 * Each is a submit whose 1 MB body arrives all but its last bytes, so the coordinator holds what it has read while it
 * waits for the rest; a few hundred of them exceed the heap. The coordinator runs with
 * {@code -XX:+ExitOnOutOfMemoryError}: it must exit, not stay up half-broken; its sagas are recovered by the others
 * and by itself once restarted. (The requests would be refused once read: their gid is invalid. Nothing of them is
 * stored.)
 */
final class OutOfMemory {
    /** Requests in flight at once: each holds about 1 MB of the coordinator's heap while it waits. */
    private static final int REQUESTS = 400;
    private static final int BODY_BYTES = 1_000_000;
    private static final int HELD_BACK = 16;
    private static final long GIVE_UP_MS = 20_000;
    /** The JVM's exit code for -XX:+ExitOnOutOfMemoryError. */
    private static final int OOM_EXIT = 3;

    private OutOfMemory() {
    }

    /**
     * Opens the requests to {@code n} and waits until its process exits on an OutOfMemoryError.
     *
     * @throws IllegalStateException if it did not (the scenario did not happen: say so rather than pass)
     */
    static void flood(Node n) throws InterruptedException {
        String prefix = "{\"gid\":\"not a gid\",\"trans_type\":\"saga\",\"steps\":[{\"action\":\"\"}],\"payloads\":[\"";
        byte[] body = (prefix + "x".repeat(BODY_BYTES - prefix.length() - 3) + "\"]}")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] head = ("POST /api/dtmsvr/submit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        int port = n.ports().getFirst();
        CountDownLatch done = new CountDownLatch(1);
        List<Socket> sockets = java.util.Collections.synchronizedList(new ArrayList<>());
        int exit;
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < REQUESTS; i++) {
                senders.execute(() -> {
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                        sockets.add(s);
                        OutputStream out = s.getOutputStream();
                        out.write(head);
                        out.write(body, 0, body.length - HELD_BACK);
                        out.flush();
                        done.await(GIVE_UP_MS, TimeUnit.MILLISECONDS); // the rest never comes
                    } catch (IOException | InterruptedException e) {
                        // the coordinator died or shed the connection: what the flood is for
                    }
                });
            }
            exit = n.awaitExit(GIVE_UP_MS);
            done.countDown();
            synchronized (sockets) {
                for (Socket s : sockets) {
                    try {
                        s.close();
                    } catch (IOException e) {
                        // closing is best effort
                    }
                }
            }
        }
        if (exit != OOM_EXIT) {
            throw new IllegalStateException(n.name() + (exit < 0 ? " did not run out of memory within "
                    + GIVE_UP_MS / 1000 + " s" : " exited with " + exit + ", not on an OutOfMemoryError")
                    + "; see " + n.log());
        }
    }
}
