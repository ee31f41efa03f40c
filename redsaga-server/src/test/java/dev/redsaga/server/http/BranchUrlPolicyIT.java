package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redsaga.client.RedsagaClient;
import dev.redsaga.client.RedsagaException;
import dev.redsaga.client.SubmitResult;
import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.AccessPolicy;
import dev.redsaga.server.config.BranchUrlPolicy;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.ScriptedBranches;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The coordinator is nobody's proxy: it refuses branch URLs at metadata and link-local addresses and at itself,
 * checks the address a name resolves to at every call (an allowlist refuses what it does not name), lets no saga
 * set framing or routing headers, and shows of a branch's answer only its status and the protocol's own message —
 * never the body of whatever the URL returned, nor why a connection failed. All of this was open before.
 */
class BranchUrlPolicyIT {
    static final EngineOptions ENGINE = EngineOptions.builder().defaultRequestTimeoutMs(1_000)
            .defaultRetryIntervalMs(50).retryCapMs(200).leaseMs(5_000).claimBatch(100).pollIntervalMs(100)
            .maxConcurrentDrives(64).build();
    static ScriptedBranches branches;
    static RedsagaServer open;
    static RedsagaClient client;

    @BeforeAll
    static void start() throws Exception {
        branches = new ScriptedBranches();
        open = RedsagaServer.start(ServerConfig.builder().port(0).store("h2:mem:ssrf-" + UUID.randomUUID())
                .engine(ENGINE).maxRequestBytes(64 * 1024).instanceId("ssrf-it").build());
        client = RedsagaClient.builder(open.baseUrl()).build();
    }

    @AfterAll
    static void stop() {
        open.close();
        branches.close();
    }

    private static int status(Runnable r) {
        try {
            r.run();
            return 200;
        } catch (RedsagaException e) {
            return e.httpStatus();
        }
    }

    @Test
    void metadataLinkLocalAndTheCoordinatorItselfAreRefusedAtSubmit() {
        for (String url : new String[] {"http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/x",
                "http://100.100.100.200/latest", "http://[fd00:ec2::254]/x", open.baseUrl() + "/api/dtmsvr/forceStop",
                "http://localhost:" + open.port() + "/api/dtmsvr/abort"}) {
            String gid = client.newGid();
            assertThatThrownBy(() -> client.saga(gid).step(branches.url("/ok"), url, "{}").submit())
                    .as(url).isInstanceOfSatisfying(RedsagaException.class, e -> {
                        assertThat(e.httpStatus()).isEqualTo(400);
                        assertThat(e.getMessage()).contains("steps[0].compensate", "the coordinator does not call it");
                    });
        }
    }

    @Test
    void sagasMayNotSetFramingOrRoutingHeaders() {
        for (String header : new String[] {"Host", "Content-Length", "Transfer-Encoding", "Connection",
                "X-Forwarded-For", "Forwarded", "Proxy-Authorization", "Redsaga-Deadline", "X-Real-IP",
                "True-Client-IP", "X-Client-IP", "X-HTTP-Method-Override"}) {
            String gid = client.newGid();
            assertThatThrownBy(() -> client.saga(gid).step(branches.url("/h"), "", "{}").branchHeader(header, "x")
                    .submit()).as(header).isInstanceOfSatisfying(RedsagaException.class,
                            e -> assertThat(e.getMessage()).contains("branch_headers may not set " + header));
        }
        for (String value : new String[] {"a\u0000b", "a\u007fb", "a\u001bb"}) {
            assertThat(status(() -> client.saga(client.newGid()).step(branches.url("/h"), "", "{}")
                    .branchHeader("X-Tenant", value).submit())).as("a control character").isEqualTo(400);
        }
        String gid = client.newGid();
        assertThat(client.saga(gid).step(branches.url("/" + gid), "", "{}").branchHeader("Authorization", "Bearer t")
                .waitResult().submit()).as("a branch's own credentials may be passed").isEqualTo(SubmitResult.SUCCESS);
    }

    /**
     * The last error of the action of a one-step saga whose action answers {@code answer} twice (its retry limit):
     * what the abort's reason, DTM's words, sends an operator to.
     */
    private static String errorAfterTwoAnswers(Answer answer) {
        String gid = client.newGid();
        branches.script("/" + gid + "/a", answer, answer);
        client.saga(gid).step(branches.url("/" + gid + "/a"), "", "{}").retryLimit(1).submit();
        Await.until(Duration.ofSeconds(10), gid + " to fail",
                () -> client.query(gid).transaction().status() == TransStatus.FAILED);
        return actionError(client, gid);
    }

    /** The last error of the (one) action of {@code gid}. */
    private static String actionError(RedsagaClient c, String gid) {
        return c.query(gid).branches().stream().filter(b -> b.op() == BranchOp.ACTION).findFirst().orElseThrow()
                .lastError();
    }

    @Test
    void onlyTheStatusAndTheProtocolsMessageOfAnAnswerAreShown() {
        assertThat(errorAfterTwoAnswers(new Answer(500, "aws_secret=AKIA123 db_password=hunter2", 0)))
                .contains("HTTP 500").doesNotContain("aws_secret", "hunter2");

        String refused = client.newGid();
        branches.script("/" + refused + "/a", new Answer(409, "{\"dtm_result\":\"FAILURE\",\"message\":\"out of stock\"}",
                0));
        client.saga(refused).step(branches.url("/" + refused + "/a"), "", "{}").waitResult().submit();
        assertThat(client.query(refused).transaction().rollbackReason()).contains("HTTP 409: out of stock");

        // a body with a message that is no DTM reply (a Kubernetes API's, say): its message is not kept
        assertThat(errorAfterTwoAnswers(new Answer(403,
                "{\"kind\":\"Status\",\"message\":\"secrets is forbidden: token=eyJhbGci\"}", 0)))
                .contains("HTTP 403").doesNotContain("token", "forbidden");
        // DTM's error form on a 409 is kept
        String dtmError = client.newGid();
        branches.script("/" + dtmError + "/a", new Answer(409, "{\"error\":\"out of stock\"}", 0));
        client.saga(dtmError).step(branches.url("/" + dtmError + "/a"), "", "{}").waitResult().submit();
        assertThat(client.query(dtmError).transaction().rollbackReason()).contains("HTTP 409: out of stock");

        String forged = client.newGid();
        branches.script("/" + forged + "/a", new Answer(409,
                "{\"dtm_result\":\"FAILURE\",\"message\":\"no\\n12:00:00.000 ERROR forged log line\"}", 0));
        client.saga(forged).step(branches.url("/" + forged + "/a"), "", "{}").waitResult().submit();
        assertThat(client.query(forged).transaction().rollbackReason()).as("no line break reaches a log")
                .doesNotContain("\n").contains("no?12:00:00.000 ERROR forged log line");

        String closed = client.newGid();
        client.saga(closed).step("http://127.0.0.1:1/nobody-listens", "", "{}").retryLimit(1).submit();
        Await.until(Duration.ofSeconds(10), closed + " to fail",
                () -> client.query(closed).transaction().status() == TransStatus.FAILED);
        assertThat(actionError(client, closed)).contains("the connection failed")
                .doesNotContainIgnoringCase("refused");
    }

    @Test
    void anAllowlistIsCheckedOnTheAddressANameResolvesToAtEveryCall() throws Exception {
        // allowed: one loopback address that is not the one "localhost" resolves to
        try (RedsagaServer strict = RedsagaServer.start(ServerConfig.builder().port(0)
                .store("h2:mem:ssrf-strict-" + UUID.randomUUID()).engine(ENGINE).maxRequestBytes(64 * 1024)
                .instanceId("ssrf-strict").access(AccessPolicy.open())
                .branches(BranchUrlPolicy.allowing(List.of("127.0.0.2/32", branches.url("/prefix/")))).build())) {
            RedsagaClient c = RedsagaClient.builder(strict.baseUrl()).build();
            String gid = c.newGid();
            String viaName = branches.url("/" + gid + "/a").replace("127.0.0.1", "localhost");
            c.saga(gid).step(viaName, "", "{}").retryLimit(1).submit(); // a name: accepted, checked at the call
            Await.until(Duration.ofSeconds(10), gid + " to fail",
                    () -> c.query(gid).transaction().status() == TransStatus.FAILED);
            assertThat(actionError(c, gid)).contains("not allowed by --branch-allow");
            assertThat(branches.calls(gid)).as("never called").isEmpty();

            assertThat(status(() -> c.saga(c.newGid()).step("http://10.1.2.3/x", "", "{}").submit()))
                    .as("a literal address outside the list").isEqualTo(400);
            String allowed = c.newGid();
            assertThat(c.saga(allowed).step(branches.url("/prefix/" + allowed), "", "{}").waitResult().submit())
                    .as("an allowed URL prefix").isEqualTo(SubmitResult.SUCCESS);
        }
    }

    /**
     * The second attack's bypasses, each open before: a prefix rule let every URL of its host through once a CIDR
     * rule was there (another port, another path), a prefix matched {@code /okay-admin}, dot segments went out raw,
     * the coordinator's own port was callable under an allowlist, a fragment swallowed the protocol's query string,
     * and a refusal said what a name resolved to.
     */
    @Test
    void anAllowlistRuleMatchesTheWholeUrl() throws Exception {
        try (ScriptedBranches other = new ScriptedBranches()) {
            String okPrefix = branches.url("/ok").replace("127.0.0.1", "localhost");
            try (RedsagaServer strict = RedsagaServer.start(ServerConfig.builder().port(0)
                    .store("h2:mem:ssrf-whole-" + UUID.randomUUID()).engine(ENGINE).maxRequestBytes(64 * 1024)
                    .instanceId("ssrf-whole").access(AccessPolicy.open())
                    .branches(BranchUrlPolicy.allowing(List.of(okPrefix, "10.0.0.0/8", "127.0.0.0/8"))).build())) {
                RedsagaClient c = RedsagaClient.builder(strict.baseUrl()).build();
                String allowed = c.newGid();
                assertThat(c.saga(allowed).step(okPrefix + "/" + allowed, "", "{}").waitResult().submit())
                        .isEqualTo(SubmitResult.SUCCESS);
                for (String url : new String[] {okPrefix + "/../admin", okPrefix + "/%2e%2e/admin",
                        okPrefix + "/%2E%2E%2Fadmin", okPrefix + "/.%2e/admin", okPrefix + "#@169.254.169.254/",
                        strict.baseUrl() + "/api/dtmsvr/forceStop"}) {
                    assertThat(status(() -> c.saga(c.newGid()).step(url, "", "{}").submit())).as(url).isEqualTo(400);
                }
            }
            // names only, with a CIDR that is not loopback: each URL is accepted (a name) and must be refused at the
            // call, though a prefix rule names its host
            try (RedsagaServer strict = RedsagaServer.start(ServerConfig.builder().port(0)
                    .store("h2:mem:ssrf-names-" + UUID.randomUUID()).engine(ENGINE).maxRequestBytes(64 * 1024)
                    .instanceId("ssrf-names").access(AccessPolicy.open())
                    .branches(BranchUrlPolicy.allowing(List.of(okPrefix, "10.0.0.0/8"))).build())) {
                RedsagaClient c = RedsagaClient.builder(strict.baseUrl()).build();
                String warm = c.newGid(); // a pooled connection to the prefix's host and port exists from here on
                assertThat(c.saga(warm).step(okPrefix + "/" + warm, "", "{}").waitResult().submit())
                        .isEqualTo(SubmitResult.SUCCESS);
                for (String url : new String[] {
                        other.url("/admin/delete-everything").replace("127.0.0.1", "localhost"), // another port
                        branches.url("/admin").replace("127.0.0.1", "localhost"), // the same port, another path
                        branches.url("/okay-admin").replace("127.0.0.1", "localhost")}) { // no segment boundary
                    String gid = c.newGid();
                    c.saga(gid).step(url, "", "{}").retryLimit(1).submit();
                    Await.until(Duration.ofSeconds(10), gid + " to fail",
                            () -> c.query(gid).transaction().status() == TransStatus.FAILED);
                    assertThat(actionError(c, gid)).as(url)
                            .contains("not allowed by --branch-allow").doesNotContain("127.0.0.1");
                }
                assertThat(other.calls()).as("the other port never called").isEmpty();
                assertThat(branches.calls().stream().map(ScriptedBranches.Call::path))
                        .as("no path outside the prefix called").noneMatch(p -> p.startsWith("/admin")
                                || p.startsWith("/okay"));
            }
        }
    }
}
