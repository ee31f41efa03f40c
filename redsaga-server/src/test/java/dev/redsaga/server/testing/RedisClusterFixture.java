package dev.redsaga.server.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A 3-master Redis Cluster of test-owned redis-server processes on spare loopback ports, torn down on close. */
public final class RedisClusterFixture implements AutoCloseable {
    private final List<Process> nodes = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();

    public RedisClusterFixture(Path dir) throws IOException, InterruptedException {
        try {
            for (int i = 0; i < 3; i++) {
                int port = ServerProcess.freePort();
                Path nodeDir = Files.createDirectories(dir.resolve("node-" + port));
                nodes.add(new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                        "--cluster-enabled", "yes", "--cluster-config-file", nodeDir.resolve("nodes.conf").toString(),
                        "--cluster-node-timeout", "2000", "--save", "", "--appendonly", "no",
                        "--dir", nodeDir.toString(), "--logfile", nodeDir.resolve("redis.log").toString())
                        .redirectErrorStream(true).redirectOutput(nodeDir.resolve("out.log").toFile()).start());
                ports.add(port);
            }
            for (int port : ports) {
                waitForPort(port);
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            ports.forEach(p -> create.add("127.0.0.1:" + p));
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            Process p = new ProcessBuilder(create).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("redis-cli --cluster create failed: " + out);
            }
            waitForClusterOk();
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The store URI for these nodes. */
    public String uri() {
        StringBuilder sb = new StringBuilder("redis-cluster://");
        for (int i = 0; i < ports.size(); i++) {
            sb.append(i == 0 ? "" : ",").append("127.0.0.1:").append(ports.get(i));
        }
        return sb.toString();
    }

    private void waitForClusterOk() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            boolean ok = true;
            for (int port : ports) {
                Process p = new ProcessBuilder("redis-cli", "-p", Integer.toString(port), "cluster", "info").start();
                String info = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                p.waitFor(5, TimeUnit.SECONDS);
                ok &= info.contains("cluster_state:ok");
            }
            if (ok) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the test cluster did not reach cluster_state:ok");
    }

    private static void waitForPort(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("redis-server did not start on port " + port);
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : nodes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
