package dev.redsaga.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.protocol.WireJson;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.testkit.RedsagaExtension;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/**
 * {@code redsaga tx} against a real coordinator: find a saga stuck in a long retry backoff, see its branch's attempts
 * and last error, retry it now, and the refusals an operator can meet, each a message and an exit code.
 */
class TxCommandTest {
    /** Retries back off up to a minute: a stuck saga stays stuck unless retried by hand. */
    @RegisterExtension
    static RedsagaExtension redsaga = RedsagaExtension.inMemory(
            EngineOptions.builder().defaultRequestTimeoutMs(2_000).defaultRetryIntervalMs(100).leaseMs(5_000)
                    .claimBatch(100).pollIntervalMs(100).maxConcurrentDrives(256).build());

    HttpServer service;
    final AtomicInteger calls = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        // the first call fails with a message that tries to drive the terminal; every later one succeeds
        service = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        service.createContext("/", ex -> {
            try (ex) {
                ex.getRequestBody().readAllBytes();
                boolean first = calls.getAndIncrement() == 0;
                byte[] body = (first ? "{\"message\":\"db down \\u001b[31m\"}" : "{\"dtm_result\":\"SUCCESS\"}")
                        .getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(first ? 500 : 200, body.length);
                ex.getResponseBody().write(body);
            }
        });
        service.start();
    }

    @AfterEach
    void stop() {
        service.stop(0);
    }

    record Run(int code, String out, String err) {
    }

    static Run tx(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new TxCommand());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void anOperatorFindsAStuckSagaSeesWhyAndRetriesItNow() throws Exception {
        String server = redsaga.baseUrl();
        String gid = redsaga.client().newGid();
        String url = "http://127.0.0.1:" + service.getAddress().getPort();
        redsaga.client().saga(gid).step(url + "/stock/deduct", url + "/stock/restore", "{}")
                .retryInterval(Duration.ofSeconds(60)).submit();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (redsaga.client().query(gid).transaction().owner() != null || calls.get() == 0) {
            assertThat(System.nanoTime()).as("the first attempt answered and stored").isLessThan(deadline);
            Thread.sleep(20);
        }

        Run list = tx("list", "--server", server, "--status", "submitted");
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(list.out()).startsWith("GID").contains(gid).contains("saga").contains("submitted");

        Run show = tx("show", gid, "--server", server);
        assertThat(show.code()).as(show.err()).isZero();
        assertThat(show.out()).contains("ATTEMPTS").contains("LAST ERROR").contains("HTTP 500")
                .contains("/stock/deduct").doesNotContain("\u001b");

        Run json = tx("show", gid, "--server", server, "--json");
        JsonNode q = WireJson.mapper().readTree(json.out());
        assertThat(q.get("branches").get(1).get("attempts").asInt()).isEqualTo(1);

        Run retry = tx("retry", gid, "--server", server);
        assertThat(retry.code()).as(retry.err()).isZero();
        assertThat(retry.out()).contains(gid + " is due now");
        assertThat(redsaga.awaitEnd(gid, Duration.ofSeconds(10))).isEqualTo(TransStatus.SUCCEEDED);

        Run late = tx("force-stop", gid, "--server", server);
        assertThat(late.code()).isEqualTo(1);
        assertThat(late.err()).contains("already succeed");
    }

    /** An operator subscribes two services to a topic, lists it, unsubscribes one, deletes the topic. */
    @Test
    void anOperatorManagesATopicsSubscribers() throws Exception {
        String server = redsaga.baseUrl();
        String url = "http://127.0.0.1:" + service.getAddress().getPort();
        Run escape = tx("subscribe", "orders", url + "/stock", "--remark", "stock \u001b[31m", "--server", server);
        assertThat(escape.code()).as("a remark is one printable line").isEqualTo(1);
        assertThat(escape.err()).contains("remark must be one line");
        Run stock = tx("subscribe", "orders", url + "/stock", "--remark", "stock service", "--server", server);
        assertThat(stock.code()).as(stock.err()).isZero();
        assertThat(stock.out()).contains("topic orders: " + url + "/stock subscribed");
        assertThat(tx("subscribe", "orders", url + "/billing", "--server", server).code()).isZero();
        Run again = tx("subscribe", "orders", url + "/billing", "--server", server);
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("this url exists");

        Run list = tx("topics", "--server", server);
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(list.out()).startsWith("TOPIC").contains("orders").contains(url + "/stock").contains(url + "/billing")
                .contains("stock service");
        JsonNode json = WireJson.mapper().readTree(tx("topics", "--server", server, "--json").out());
        assertThat(json.get("kv").get(0).get("version").asInt()).isEqualTo(2);

        assertThat(tx("unsubscribe", "orders", url + "/stock", "--server", server).code()).isZero();
        assertThat(tx("topics", "--server", server).out()).doesNotContain(url + "/stock");
        assertThat(tx("delete-topic", "orders", "--server", server).code()).isZero();
        Run gone = tx("delete-topic", "orders", "--server", server);
        assertThat(gone.code()).isEqualTo(1);
        assertThat(gone.err()).contains("no such a topic");
    }

    @Test
    void mistakesAreAMessageAndAnExitCode() {
        Run unknown = tx("show", "no-such-gid", "--server", redsaga.baseUrl());
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("no transaction no-such-gid");

        Run down = tx("list", "--server", "http://127.0.0.1:1");
        assertThat(down.code()).isEqualTo(2);
        assertThat(down.err()).contains("cannot reach the coordinator").contains("is the coordinator running?");

        Run badServer = tx("list", "--server", "ftp://x");
        assertThat(badServer.code()).isEqualTo(2);
        assertThat(badServer.err()).contains("baseUrl must be the coordinator's http(s) URL");

        Run badStatus = tx("list", "--server", redsaga.baseUrl(), "--status", "succeeded");
        assertThat(badStatus.code()).isEqualTo(1);
        assertThat(badStatus.err()).contains("succeed");

        assertThat(TxCommand.printable("a\u001b[2Jb\u202e", 100)).isEqualTo("a?[2Jb?");
    }
}
