package dev.redsaga.server.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A coordinator started as its own JVM process, so a test can kill -9 it. */
public final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private ServerProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts {@code redsaga server --port <free> <args>} and waits until it listens. */
    public static ServerProcess start(Path logFile, String... args) throws IOException, InterruptedException {
        return startWithHeap("256m", logFile, args);
    }

    /**
     * As {@link #start}, with a heap of {@code maxHeap} ({@code -Xmx}); the JVM runs as the launcher runs it, exiting
     * on an OutOfMemoryError.
     */
    public static ServerProcess startWithHeap(String maxHeap, Path logFile, String... args)
            throws IOException, InterruptedException {
        int port = freePort();
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(javaBin, "-Xmx" + maxHeap, "-XX:+ExitOnOutOfMemoryError", "-cp",
                System.getProperty("java.class.path"), "dev.redsaga.server.cli.ServerCommand", "--port",
                Integer.toString(port)));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<Boolean> listening = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 var out = java.nio.file.Files.newBufferedWriter(logFile, StandardCharsets.UTF_8,
                         java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND)) {
                String line;
                while ((line = r.readLine()) != null) {
                    out.write(line);
                    out.newLine();
                    out.flush();
                    if (line.contains("redsaga listening on")) {
                        listening.complete(true);
                    }
                }
            } catch (IOException e) {
                // the process died; the caller sees it
            }
            listening.complete(false);
        });
        boolean ok;
        try {
            ok = listening.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            ok = false;
        }
        if (!ok) {
            p.destroyForcibly();
            throw new IllegalStateException("server process did not start; see " + logFile);
        }
        return new ServerProcess(p, port, logFile);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** kill -9: no shutdown hook, no hand-back, nothing flushed that was not already written. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM and wait for the graceful stop. */
    public int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill9();
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
