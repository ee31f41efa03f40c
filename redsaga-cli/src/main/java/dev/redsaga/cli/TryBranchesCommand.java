package dev.redsaga.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.redsaga.client.BranchAnswer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code redsaga try-branches}: a toy participant for trying the coordinator with curl. Every path answers
 * SUCCESS except those containing {@code fail} (FAILURE, 409) and {@code ongoing} (ONGOING, 425); every call
 * it receives is printed, so the order of actions and compensations can be watched.
 */
@Command(name = "try-branches", mixinStandardHelpOptions = true,
        description = {"Run a toy branch service for trying sagas by hand (see the README's tour).",
            "Paths containing 'fail' answer FAILURE, 'ongoing' ONGOING; all others SUCCESS. Prints every call."})
public final class TryBranchesCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "8081", description = "port (default: ${DEFAULT-VALUE})")
    int port;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
        } catch (IOException e) {
            spec.commandLine().getErr().println("redsaga: cannot listen on 127.0.0.1:" + port + ": " + e.getMessage()
                    + " (pick another with --port)");
            return 2;
        }
        server.createContext("/", ex -> answer(ex, out));
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        out.printf("try-branches listening on http://127.0.0.1:%d; Ctrl-C stops it%n", port);
        out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(0);
            stop.countDown();
        }));
        stop.await();
        return 0;
    }

    private static void answer(HttpExchange ex, PrintWriter out) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            BranchAnswer a = path.contains("fail") ? BranchAnswer.failure("try-branches: " + path + " always fails")
                    : path.contains("ongoing") ? BranchAnswer.ongoing("try-branches: not done yet")
                    : BranchAnswer.success();
            String traceparent = ex.getRequestHeaders().getFirst("traceparent");
            String trace = traceparent != null && traceparent.matches("[0-9a-f-]{55}") ? " traceparent=" + traceparent
                    : "";
            synchronized (out) {
                out.printf("%s %s %s?%s body=%s%s -> %s%n", LocalTime.now().truncatedTo(ChronoUnit.MILLIS),
                        ex.getRequestMethod(), path, ex.getRequestURI().getRawQuery(), body, trace, a.outcome());
                out.flush();
            }
            byte[] bytes = a.body().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(a.status(), bytes.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(bytes);
            }
        }
    }
}
