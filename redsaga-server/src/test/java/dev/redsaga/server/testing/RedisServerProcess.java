package dev.redsaga.server.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A test-owned {@code redis-server} on a spare loopback port, with AOF and {@code appendfsync always}, so a test
 * can kill it and start it again on the same data directory.
 */
public final class RedisServerProcess implements AutoCloseable {
    private final Path dir;
    private final int port;
    private Process process;
    private int replicaOf;

    public RedisServerProcess(Path dir) throws IOException {
        this.dir = dir;
        this.port = ServerProcess.freePort();
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Makes this server, once started, a replica of the one on {@code masterPort}. */
    public RedisServerProcess replicaOf(int masterPort) {
        this.replicaOf = masterPort;
        return this;
    }

    public RedisServerProcess start() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind",
                "127.0.0.1", "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--dir", dir.toString(),
                "--logfile", dir.resolve("redis.log").toString()));
        if (replicaOf > 0) {
            command.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(replicaOf)));
        }
        process = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.out").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return this;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("redis-server did not start on port " + port + "; see " + dir);
    }

    /** kill -9: whatever Redis acknowledged is on disk (appendfsync always); nothing else survives. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill9();
        }
    }
}
