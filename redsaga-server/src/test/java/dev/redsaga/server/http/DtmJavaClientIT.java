package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redsaga.client.RedsagaClient;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.ScriptedBranches;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pub.dtm.client.DtmClient;

/**
 * DTM's own Java client ({@code io.github.dtm-labs:dtmcli-java}, unmodified, from Maven Central) against this
 * coordinator, as a DTM user would run it: its TCC and its saga.
 */
class DtmJavaClientIT {
    static RedsagaServer server;
    static ScriptedBranches branches;
    static DtmClient dtm;
    static RedsagaClient client;

    @BeforeAll
    static void start() throws Exception {
        server = RedsagaServer.start(new ServerConfig("127.0.0.1", 0, "h2:mem:dtmjava-" + UUID.randomUUID(),
                EngineOptions.defaults(), 1 << 20, "it-" + UUID.randomUUID()));
        branches = new ScriptedBranches();
        URI base = URI.create(server.baseUrl());
        dtm = new DtmClient(base.getHost() + ":" + base.getPort());
        client = RedsagaClient.builder(server.baseUrl()).build();
    }

    @AfterAll
    static void stop() {
        branches.close();
        server.close();
    }

    static TransStatus awaitEnd(String gid) {
        Await.until(Duration.ofSeconds(15), gid + " to end", () -> client.query(gid).transaction() != null
                && client.query(gid).transaction().status().isTerminal());
        return client.query(gid).transaction().status();
    }

    /** Both tries succeed: the client submits, the coordinator confirms both branches, the last registered first. */
    @Test
    void tccConfirmsEveryBranchAfterTheTriesSucceed() throws Exception {
        String gid = "dtm-java-tcc-" + UUID.randomUUID();
        Map<String, Object> body = Map.of("amount", 30);

        String returned = dtm.tccGlobalTransaction(gid, tcc -> {
            tcc.callBranch(body, branches.url("/TransOutTry"), branches.url("/TransOutConfirm"),
                    branches.url("/TransOutCancel"));
            tcc.callBranch(body, branches.url("/TransInTry"), branches.url("/TransInConfirm"),
                    branches.url("/TransInCancel"));
        });

        assertThat(returned).isEqualTo(gid);
        assertThat(awaitEnd(gid)).isEqualTo(TransStatus.SUCCEEDED);
        assertThat(branches.trace(gid)).containsExactly("/TransOutTry try", "/TransInTry try",
                "/TransInConfirm confirm", "/TransOutConfirm confirm");
        // the confirms carry the branch's data, as registered: the try's body
        assertThat(branches.calls(gid).get(2).body()).isEqualTo("{\"amount\":30}");
        assertThat(branches.calls(gid).get(2).branchId()).isEqualTo("02");
        assertThat(branches.calls(gid).get(2).transType()).isEqualTo("tcc");
        assertThat(client.query(gid).branches()).extracting(b -> b.op().wire() + " " + b.status().wire())
                .containsExactly("cancel prepared", "confirm succeed", "cancel prepared", "confirm succeed");
    }

    /** The second try fails: the client aborts, and the coordinator cancels both branches, the last first. */
    @Test
    void tccCancelsEveryRegisteredBranchWhenATryFails() {
        String gid = "dtm-java-tcc-fail-" + UUID.randomUUID();
        String failingTry = "/TransInTry-" + gid;
        branches.script(failingTry, ScriptedBranches.Answer.FAILURE);

        assertThatThrownBy(() -> dtm.tccGlobalTransaction(gid, tcc -> {
            tcc.callBranch(Map.of("amount", 30), branches.url("/TransOutTry"), branches.url("/TransOutConfirm"),
                    branches.url("/TransOutCancel"));
            tcc.callBranch(Map.of("amount", 30), branches.url(failingTry), branches.url("/TransInConfirm"),
                    branches.url("/TransInCancel"));
        })).isInstanceOf(Exception.class);

        assertThat(awaitEnd(gid)).isEqualTo(TransStatus.FAILED);
        assertThat(branches.trace(gid)).containsExactly("/TransOutTry try", failingTry + " try",
                "/TransInCancel cancel", "/TransOutCancel cancel");
        assertThat(client.query(gid).branches()).extracting(b -> b.status().wire())
                .containsExactly("succeed", "prepared", "succeed", "prepared");
    }

    /** DTM's Java saga, for completeness: it passed before TCC did. */
    @Test
    void sagaRunsItsActionsInOrder() throws Exception {
        String gid = "dtm-java-saga-" + UUID.randomUUID();
        dtm.newSaga(gid)
                .add(branches.url("/TransOut"), branches.url("/TransOutCompensate"), Map.of("amount", 30))
                .add(branches.url("/TransIn"), branches.url("/TransInCompensate"), Map.of("amount", 30))
                .submit();
        assertThat(awaitEnd(gid)).isEqualTo(TransStatus.SUCCEEDED);
        assertThat(branches.trace(gid)).containsExactly("/TransOut action", "/TransIn action");
    }
}
