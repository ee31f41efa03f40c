package dev.redsaga.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.client.RedsagaClient;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.ScriptedBranches;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import dev.redsaga.server.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the coordinator in the middle of sagas, restart on the same store: every acknowledged saga
 * finishes, and no action is called more often than at-least-once delivery across one crash allows.
 */
class CrashRecoveryIT {
    static final int SAGAS = 20;

    @TempDir
    Path dir;

    @Test
    void sagasInterruptedByKill9FinishAfterRestart() throws Exception {
        String store = "h2:" + dir.resolve("store");
        Path log = dir.resolve("server.log");
        try (ScriptedBranches branches = new ScriptedBranches()) {
            List<String> gids = new ArrayList<>();
            List<String> failing = new ArrayList<>();
            try (ServerProcess first = ServerProcess.start(log, "--store", store, "--lease", "2s",
                    "--retry-interval", "200ms")) {
                RedsagaClient client = RedsagaClient.builder(first.baseUrl()).build();
                for (int i = 0; i < SAGAS; i++) {
                    String gid = "crash-" + i + "-" + client.newGid();
                    boolean fail = i % 4 == 0;
                    // b stalls long enough for the kill to land while it is in flight
                    if (fail) {
                        // the business refuses b whenever it is asked, before and after the crash
                        branches.script("/" + gid + "/b", new Answer(409, "{\"dtm_result\":\"FAILURE\"}", 1_500),
                                Answer.FAILURE);
                    } else {
                        branches.script("/" + gid + "/b", Answer.stall(1_500));
                    }
                    client.saga(gid)
                            .step(branches.url("/" + gid + "/a"), branches.url("/" + gid + "/a-undo"), "{}")
                            .step(branches.url("/" + gid + "/b"), branches.url("/" + gid + "/b-undo"), "{}")
                            .step(branches.url("/" + gid + "/c"), branches.url("/" + gid + "/c-undo"), "{}")
                            .submit();
                    gids.add(gid);
                    if (fail) {
                        failing.add(gid);
                    }
                }
                Await.until(Duration.ofSeconds(10), "every saga to reach step b",
                        () -> gids.stream().allMatch(g -> branches.trace(g).contains("/" + g + "/b action")));
                first.kill9();
            }
            assertThat(branches.calls().stream().filter(c -> "/c".equals(tail(c.path())))).isEmpty();

            try (ServerProcess second = ServerProcess.start(log, "--store", store, "--lease", "2s",
                    "--retry-interval", "200ms")) {
                RedsagaClient client = RedsagaClient.builder(second.baseUrl()).build();
                Await.until(Duration.ofSeconds(30), "every saga to finish after the restart",
                        () -> gids.stream().allMatch(g -> client.query(g).transaction().status().isTerminal()));
                for (String gid : gids) {
                    List<String> trace = branches.trace(gid);
                    TransStatus status = client.query(gid).transaction().status();
                    String a = "/" + gid + "/a action";
                    String b = "/" + gid + "/b action";
                    // at-least-once: an action whose outcome was not stored runs again, at most once more
                    assertThat(count(trace, a)).as(gid + " " + trace).isBetween(1L, 2L);
                    assertThat(count(trace, b)).as(gid + " " + trace).isBetween(1L, 2L);
                    if (failing.contains(gid)) {
                        assertThat(status).as(gid).isEqualTo(TransStatus.FAILED);
                        assertThat(trace).as(gid).doesNotContain("/" + gid + "/c action");
                        // the crash left the progress uncertain: every step is compensated, in reverse
                        assertThat(trace).as(gid).endsWith("/" + gid + "/c-undo compensate",
                                "/" + gid + "/b-undo compensate", "/" + gid + "/a-undo compensate");
                    } else {
                        assertThat(status).as(gid).isEqualTo(TransStatus.SUCCEEDED);
                        assertThat(count(trace, "/" + gid + "/c action")).as(gid).isEqualTo(1);
                        assertThat(trace).as(gid).noneMatch(t -> t.endsWith("compensate"));
                    }
                }
                // SIGTERM: the JVM runs the graceful stop and exits with 128 + 15
                assertThat(second.terminate()).isEqualTo(143);
            }
            assertThat(Files.readString(log)).contains("recovering").contains("stopped");
        }
    }

    private static long count(List<String> trace, String call) {
        return trace.stream().filter(call::equals).count();
    }

    private static String tail(String path) {
        return path.substring(path.lastIndexOf('/'));
    }
}
