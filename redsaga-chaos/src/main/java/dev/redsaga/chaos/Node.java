package dev.redsaga.chaos;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One process of the chaos cluster (a coordinator, the services, redis-server): started from a fixed command on
 * fixed loopback ports, so that after kill -9 it comes back where its callers look for it. Ready when every one
 * of its ports accepts connections. Its output goes to a log file that survives restarts.
 */
final class Node implements AutoCloseable {
    private static final long START_TIMEOUT_MS = 60_000;
    /** Each JVM's heap: small, as on a crowded host, which is what the out-of-memory scenario leans on. */
    static final String HEAP = "192m";

    private final String name;
    private final List<String> command;
    private final List<Integer> ports;
    private final Path log;
    private Process process;
    private boolean paused;

    private Node(String name, List<String> command, List<Integer> ports, Path log) {
        this.name = name;
        this.command = List.copyOf(command);
        this.ports = List.copyOf(ports);
        this.log = log;
    }

    /** A program on the PATH (redis-server). */
    static Node program(String name, List<String> command, List<Integer> ports, Path log) {
        return new Node(name, command, ports, log);
    }

    /** A JVM running {@code mainClass} from this process's class path (the runnable jar, or a test's classes). */
    static Node java(String name, String mainClass, List<String> args, List<Integer> ports, Path log) {
        String java = ProcessHandle.current().info().command().orElse("java");
        // as the launcher runs it: an OutOfMemoryError ends the process, and the supervisor starts it again
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + HEAP, "-XX:+ExitOnOutOfMemoryError",
                "-XX:+UseSerialGC", "-Xss512k",
                // Netty (inside Lettuce) reaches for sun.misc.Unsafe; allow it quietly, as the launcher does
                "--sun-misc-unsafe-memory-access=allow", "-Dio.netty.leakDetection.level=disabled",
                "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(args);
        return new Node(name, cmd, ports, log);
    }

    String name() {
        return name;
    }

    List<Integer> ports() {
        return ports;
    }

    Path log() {
        return log;
    }

    synchronized boolean isUp() {
        return process != null && process.isAlive() && !paused;
    }

    /** Starts the process and waits until it listens on all its ports. */
    synchronized void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running");
        }
        Files.writeString(log, "---- start " + name + " " + java.time.Instant.now() + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        paused = false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
        for (int port : ports) {
            while (!accepts(port)) {
                if (!process.isAlive()) {
                    throw new ExitedWhileStarting(name + " exited with " + process.exitValue()
                            + " while starting; see " + log);
                }
                if (System.nanoTime() > deadline) {
                    kill9();
                    throw new IllegalStateException(name + " did not listen on port " + port + " within "
                            + START_TIMEOUT_MS / 1000 + " s; see " + log);
                }
                Thread.sleep(50);
            }
        }
    }

    /**
     * Starts the process unless it is running (paused counts as running), as a supervisor would (systemd's
     * {@code Restart=on-failure}): a start that exits — a coordinator whose store is down at that moment refuses to
     * start — is tried again every second until the start timeout.
     */
    synchronized void ensureStarted() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
        while (process == null || !process.isAlive()) {
            try {
                start();
            } catch (ExitedWhileStarting e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(1_000);
            }
        }
    }

    /** The process ended before it listened. */
    static final class ExitedWhileStarting extends IllegalStateException {
        ExitedWhileStarting(String message) {
            super(message);
        }
    }

    /**
     * Waits up to {@code ms} for the process to end by itself; its exit code, or -1 if it still runs. Waits without
     * holding this node's lock, so a kill or a restart is not held up meanwhile.
     */
    int awaitExit(long ms) throws InterruptedException {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p == null) {
            return -1;
        }
        return p.waitFor(ms, TimeUnit.MILLISECONDS) ? p.exitValue() : -1;
    }

    /** kill -9: no shutdown hook runs, nothing is handed back. */
    synchronized void kill9() throws InterruptedException {
        if (process == null) {
            return;
        }
        paused = false; // SIGKILL ends a stopped process too
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGSTOP: the process freezes mid-work, holding its leases and connections, as in a long GC pause. */
    synchronized void pause() throws InterruptedException {
        signal("STOP");
        paused = true;
    }

    /** SIGCONT: it resumes where it froze, with whatever it believed before. */
    synchronized void resume() throws InterruptedException {
        if (paused) {
            signal("CONT");
            paused = false;
        }
    }

    private void signal(String sig) throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + sig + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run kill -" + sig + ": " + e.getMessage(), e);
        }
    }

    /** Counts the lines of this node's log (all its lives) that contain {@code text}. */
    long countLogLines(String text) throws IOException {
        try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.contains(text)).count();
        } catch (java.io.UncheckedIOException e) {
            return 0; // a partly written multi-byte character at the end: counted next time
        }
    }

    @Override
    public synchronized void close() throws InterruptedException {
        kill9();
    }

    static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A loopback port free now (bound and released). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
