package dev.redsaga.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.redsaga.client.SubmitResult;
import dev.redsaga.protocol.TransStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension as a user's test uses it: a service on 127.0.0.1, sagas through the in-process coordinator. */
class RedsagaExtensionTest {
    @RegisterExtension
    static RedsagaExtension redsaga = RedsagaExtension.inMemory();

    static HttpServer service;
    static final List<String> calls = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startService() throws IOException {
        service = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        service.createContext("/", ex -> {
            calls.add(ex.getRequestURI().getPath() + " " + ex.getRequestURI().getQuery());
            boolean refuse = ex.getRequestURI().getPath().endsWith("/refuse");
            byte[] body = (refuse ? "{\"dtm_result\":\"FAILURE\"}" : "{\"dtm_result\":\"SUCCESS\"}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(refuse ? 409 : 200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        service.start();
    }

    @AfterAll
    static void stopService() {
        service.stop(0);
    }

    private String url(String path) {
        return "http://127.0.0.1:" + service.getAddress().getPort() + path;
    }

    @Test
    void aSagaRunsAgainstTheServiceAndEnds() {
        String gid = redsaga.client().newGid();
        assertThat(redsaga.client().saga(gid).step(url("/order"), url("/order-undo"), "{}").waitResult().submit())
                .isEqualTo(SubmitResult.SUCCESS);
        assertThat(redsaga.awaitEnd(gid, Duration.ofSeconds(5))).isEqualTo(TransStatus.SUCCEEDED);
        assertThat(calls).anyMatch(c -> c.startsWith("/order gid=" + gid));
    }

    @Test
    void aRefusedStepIsCompensatedAndTheWaitSaysHowItEnded() {
        String gid = redsaga.client().newGid();
        redsaga.client().saga(gid).step(url("/order"), url("/order-undo"), "{}")
                .step(url("/stock/refuse"), url("/stock-undo"), "{}").submit();
        assertThat(redsaga.awaitEnd(gid, Duration.ofSeconds(5))).isEqualTo(TransStatus.FAILED);
        assertThat(calls).anyMatch(c -> c.startsWith("/order-undo gid=" + gid));
        assertThatThrownBy(() -> redsaga.awaitEnd("never-submitted", Duration.ofMillis(50)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("no transaction never-submitted");
    }
}
