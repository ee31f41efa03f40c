package dev.redsaga.server.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * A real HTTP participant on 127.0.0.1 whose answers are scripted per path: a queue of answers consumed in
 * order, then a default (SUCCESS). Records every call it received, in arrival order.
 */
public final class ScriptedBranches implements AutoCloseable {

    /** One scripted answer: an HTTP status and body, optionally after a delay (to outlive a request timeout). */
    public record Answer(int status, String body, long delayMs) {
        public static final Answer SUCCESS = new Answer(200, "{\"dtm_result\":\"SUCCESS\"}", 0);
        public static final Answer FAILURE = new Answer(409, "{\"dtm_result\":\"FAILURE\",\"message\":\"scripted\"}", 0);
        public static final Answer ONGOING = new Answer(425, "{\"dtm_result\":\"ONGOING\"}", 0);
        public static final Answer ERROR = new Answer(500, "{\"message\":\"scripted error\"}", 0);

        public static Answer stall(long ms) {
            return new Answer(200, "{\"dtm_result\":\"SUCCESS\"}", ms);
        }
    }

    /** One received call. */
    public record Call(String path, String gid, String branchId, String op, String transType, String body,
            Map<String, List<String>> headers, long receivedNanos, String method) {
    }

    private final HttpServer server;
    private final Map<String, Deque<Answer>> script = new ConcurrentHashMap<>();
    private final List<Call> calls = new ArrayList<>();

    public ScriptedBranches() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** Answers the next calls to {@code path} with {@code answers}, in order; SUCCESS afterwards. */
    public ScriptedBranches script(String path, Answer... answers) {
        script.computeIfAbsent(path, k -> new ArrayDeque<>()).addAll(List.of(answers));
        return this;
    }

    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    public synchronized List<Call> calls(String gid) {
        return calls.stream().filter(c -> gid.equals(c.gid())).toList();
    }

    /** "path op" of each call for {@code gid}, in arrival order, e.g. {@code [/a action, /b action]}. */
    public List<String> trace(String gid) {
        return calls(gid).stream().map(c -> c.path() + " " + c.op()).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> q = new ConcurrentHashMap<>();
            String raw = ex.getRequestURI().getRawQuery();
            if (raw != null) {
                for (String kv : raw.split("&")) {
                    int i = kv.indexOf('=');
                    if (i > 0) {
                        q.put(kv.substring(0, i), java.net.URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8));
                    }
                }
            }
            String path = ex.getRequestURI().getPath();
            synchronized (this) {
                calls.add(new Call(path, q.get("gid"), q.get("branch_id"), q.get("op"), q.get("trans_type"), body,
                        Map.copyOf(ex.getRequestHeaders()), System.nanoTime(), ex.getRequestMethod()));
            }
            Deque<Answer> queue = script.get(path);
            Answer a = null;
            if (queue != null) {
                synchronized (queue) {
                    a = queue.poll();
                }
            }
            if (a == null) {
                a = Answer.SUCCESS;
            }
            if (a.delayMs() > 0) {
                try {
                    Thread.sleep(a.delayMs());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] bytes = a.body().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(a.status(), bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException e) {
            // the coordinator gave up on this call (request timeout): nothing to answer
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
