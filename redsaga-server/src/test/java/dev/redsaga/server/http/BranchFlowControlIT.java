package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.Outcome;
import dev.redsaga.server.config.BranchUrlPolicy;
import dev.redsaga.server.config.FlowControl;
import dev.redsaga.server.engine.BranchTransport;
import dev.redsaga.server.testing.Await;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gate in front of each branch destination, against a real HTTP service on 127.0.0.1: the in-flight limit
 * (what the service sees), its adaptation, the circuit and the retry budget. A refused call never reaches the
 * service, and every call still completes within its timeout.
 */
class BranchFlowControlIT {
    /** What the service does with the next requests. */
    private volatile int status = 200;
    private volatile long delayMs;
    private final AtomicInteger received = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger maxRunning = new AtomicInteger();
    private HttpServer server;
    private String url;

    @BeforeEach
    void startService() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        server.createContext("/branch", this::handle);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort() + "/branch";
    }

    @AfterEach
    void stopService() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        received.incrementAndGet();
        maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
        try (ex) {
            ex.getRequestBody().readAllBytes();
            if (delayMs > 0) {
                Thread.sleep(delayMs);
            }
            byte[] body = (status == 200 ? "{\"dtm_result\":\"SUCCESS\"}" : "{\"message\":\"down\"}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            running.decrementAndGet();
        }
    }

    private static FlowControl flow(int min, int initial, int max, double retryBurst, int circuitWindow) {
        return new FlowControl(min, initial, max, 0.2, 0.001, retryBurst, circuitWindow, 80, Duration.ofMillis(500));
    }

    /** A call that may wait up to 1 s to be sent. */
    private BranchTransport.Request request(long timeoutMs, int attempt) {
        return new BranchTransport.Request(url, "g-" + received.get(), "saga", "01", BranchOp.ACTION, "{}", Map.of(),
                timeoutMs, attempt, 1_000, "", "", true);
    }

    private static BranchTransport.Result await(CompletableFuture<BranchTransport.Result> call) throws Exception {
        return call.get(10, TimeUnit.SECONDS);
    }

    private static boolean succeeds(CompletableFuture<BranchTransport.Result> call) {
        return call.join().outcome() == Outcome.SUCCESS;
    }

    @Test
    void callsBeyondTheLimitWaitInTheCoordinatorNoLongerThanTheyMay() throws Exception {
        delayMs = 300;
        try (HttpBranchTransport t = new HttpBranchTransport(flow(2, 4, 4, 100, 1000), BranchUrlPolicy.defaults())) {
            List<CompletableFuture<BranchTransport.Result>> calls = new ArrayList<>();
            List<Long> took = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                long start = System.nanoTime();
                CompletableFuture<BranchTransport.Result> c = t.call(request(2_000, 0));
                calls.add(c.whenComplete((r, e) -> {
                    synchronized (took) {
                        took.add((System.nanoTime() - start) / 1_000_000);
                    }
                }));
            }
            int succeeded = 0;
            int notSent = 0;
            for (CompletableFuture<BranchTransport.Result> c : calls) {
                BranchTransport.Result r = await(c);
                if (r.outcome() == Outcome.SUCCESS) {
                    succeeded++;
                } else {
                    assertThat(r.outcome()).isEqualTo(Outcome.TRANSIENT);
                    assertThat(r.detail()).startsWith("not sent: waited 1000 ms while 4 calls to http://127.0.0.1:");
                    assertThat(r.waited()).as("waited unsent: no attempt").isTrue();
                    notSent++;
                }
            }
            assertThat(maxRunning.get()).as("calls the service held at once").isLessThanOrEqualTo(4);
            assertThat(received.get()).as("the service saw exactly the calls that were sent").isEqualTo(succeeded);
            // 4 at a time for 300 ms each: those admitted within 1 s (the first 16) go, the last ones wait 1 s and give up
            assertThat(succeeded).isBetween(8, 16);
            assertThat(notSent).isEqualTo(20 - succeeded).isPositive();
            assertThat(took).allSatisfy(ms -> assertThat(ms).as("within its wait and its timeout").isLessThan(3_200));
        }
    }

    @Test
    void timeoutsShrinkTheLimitAndAnsweredCallsGrowItBack() throws Exception {
        try (HttpBranchTransport t = new HttpBranchTransport(flow(2, 20, 64, 100, 1000), BranchUrlPolicy.defaults())) {
            Destination d = t.destination(url);
            assertThat(d.limit()).isEqualTo(20);
            delayMs = 1_000;
            List<CompletableFuture<BranchTransport.Result>> hung = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                hung.add(t.call(request(200, 0)));
            }
            for (CompletableFuture<BranchTransport.Result> c : hung) {
                assertThat(await(c).detail()).isEqualTo("no answer within 200 ms");
            }
            int shrunk = d.limit();
            assertThat(shrunk).as("each timeout takes a tenth off").isLessThanOrEqualTo(8);
            delayMs = 20;
            for (int round = 0; round < 10; round++) {
                List<CompletableFuture<BranchTransport.Result>> burst = new ArrayList<>();
                for (int i = 0; i < 2 * d.limit(); i++) {
                    burst.add(t.call(request(2_000, 0)));
                }
                for (CompletableFuture<BranchTransport.Result> c : burst) {
                    await(c);
                }
            }
            assertThat(d.limit()).as("answers with the limit in use add one each").isGreaterThan(shrunk + 10);
        }
    }

    @Test
    void aServiceThatAnswersErrorsIsNotCutOff() throws Exception {
        status = 500;
        try (HttpBranchTransport t = new HttpBranchTransport(flow(2, 4, 4, 100, 10), BranchUrlPolicy.defaults())) {
            for (int i = 0; i < 20; i++) {
                assertThat(await(t.call(request(1_000, 0))).detail()).startsWith("HTTP 500");
            }
            assertThat(t.destination(url).circuitState()).as("failing is not down: the limit deals with it")
                    .isEqualTo(CircuitBreaker.State.CLOSED);
            assertThat(received.get()).isEqualTo(20);
        }
    }

    @Test
    void anOpenCircuitSendsNothingUntilAProbeIsAnswered() throws Exception {
        try (HttpBranchTransport t = new HttpBranchTransport(flow(2, 4, 4, 100, 10), BranchUrlPolicy.defaults())) {
            Destination d = t.destination(url);
            int port = server.getAddress().getPort();
            server.stop(0); // the service is down: connections are refused
            for (int i = 0; i < 5; i++) { // the circuit judges once half its window of 10 calls is in
                assertThat(await(t.call(request(1_000, 0))).detail()).isEqualTo("no answer: the connection failed");
            }
            assertThat(d.circuitState()).isEqualTo(CircuitBreaker.State.OPEN);
            for (int i = 0; i < 50; i++) {
                BranchTransport.Result r = await(t.call(request(1_000, 0)));
                assertThat(r.detail()).startsWith("not sent: the circuit to http://127.0.0.1:").contains("is open");
                assertThat(r.waited()).as("refused at once: an attempt, which backs off").isFalse();
            }

            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024); // back, same address
            server.createContext("/branch", this::handle);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.start();
            Await.until(Duration.ofSeconds(5), "a probe is answered", () -> succeeds(t.call(request(1_000, 0))));
            assertThat(received.get()).as("nothing but probes reached it").isLessThanOrEqualTo(3);
            for (int i = 0; i < 3; i++) {
                await(t.call(request(1_000, 0)));
            }
            assertThat(d.circuitState()).isEqualTo(CircuitBreaker.State.CLOSED);
            assertThat(await(t.call(request(1_000, 0))).outcome()).isEqualTo(Outcome.SUCCESS);
        }
    }

    @Test
    void failingRetriesSpendTheBudgetWhileFirstCallsAndAnsweredRetriesDoNot() throws Exception {
        status = 500;
        try (HttpBranchTransport t = new HttpBranchTransport(flow(2, 4, 4, 5, 1000), BranchUrlPolicy.defaults())) {
            for (int i = 0; i < 5; i++) {
                assertThat(await(t.call(request(1_000, 1))).detail()).startsWith("HTTP 500");
            }
            int seen = received.get();
            assertThat(await(t.call(request(1_000, 3))).detail())
                    .startsWith("not sent: the retry budget of http://127.0.0.1:");
            assertThat(received.get()).isEqualTo(seen);
            assertThat(await(t.call(request(1_000, 0))).detail()).as("a first call is no retry").startsWith("HTTP 500");

            status = 200; // answered calls earn a fifth of a token each
            for (int i = 0; i < 5; i++) {
                assertThat(await(t.call(request(1_000, 0))).outcome()).isEqualTo(Outcome.SUCCESS);
            }
            for (int i = 0; i < 20; i++) {
                assertThat(await(t.call(request(1_000, 2))).outcome()).as("an answered retry pays its token back")
                        .isEqualTo(Outcome.SUCCESS);
            }
        }
    }
}
