package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.client.RedsagaClient;
import dev.redsaga.client.SubmitResult;
import dev.redsaga.client.barrier.JdbcBarrier;
import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.QueryReply;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.ScriptedBranches;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import java.sql.PreparedStatement;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The README's Java tour, compiled and run: if this changes, change the README with it. */
class ReadmeTourIT {

    @Test
    void javaTourRunsAsTheReadmeShows() throws Exception {
        try (RedsagaServer server = RedsagaServer.start(ServerConfig.builder().port(0)
                .store("h2:mem:readme-" + UUID.randomUUID()).build());
             ScriptedBranches branches = new ScriptedBranches()) {
            branches.script("/stock/deduct-fail", Answer.FAILURE);
            String coordinator = server.baseUrl();
            String svc = branches.url("");

            // --- README: Java SDK ---
            RedsagaClient client = RedsagaClient.builder(coordinator).build();

            String gid = client.newGid();
            SubmitResult result = client.saga(gid)
                    .step(svc + "/order/create", svc + "/order/cancel", "{\"user\":1,\"sku\":\"A\"}")
                    .step(svc + "/stock/deduct", svc + "/stock/restore", "{\"sku\":\"A\",\"n\":1}")
                    .waitResult()          // answer with the outcome, not just "stored"
                    .submit();             // SUCCESS, FAILURE (compensated) or ONGOING (still retrying)

            QueryReply q = client.query(gid);
            System.out.println(q.transaction().status());   // SUCCEEDED (on the wire "succeed", as DTM spells it)
            // --- end ---

            assertThat(result).isEqualTo(SubmitResult.SUCCESS);
            assertThat(q.transaction().status()).isEqualTo(TransStatus.SUCCEEDED);

            String failing = client.newGid();
            assertThat(client.saga(failing)
                    .step(svc + "/order/create", svc + "/order/cancel", "{}")
                    .step(svc + "/stock/deduct-fail", svc + "/stock/restore", "{}")
                    .waitResult().submit()).isEqualTo(SubmitResult.FAILURE);
            assertThat(branches.trace(failing)).containsExactly("/order/create action", "/stock/deduct-fail action",
                    "/stock/restore compensate", "/order/cancel compensate");

            // --- README: TCC ---
            String tcc = client.newGid();
            client.tcc(tcc, t -> {          // prepare; submit when this returns, abort if it throws
                t.callBranch("{\"sku\":\"A\",\"n\":1}",                 // the body of try, confirm and cancel
                        svc + "/stock/reserve", svc + "/stock/confirm", svc + "/stock/release");
                t.callBranch("{\"user\":1,\"sku\":\"A\"}",
                        svc + "/order/try", svc + "/order/confirm", svc + "/order/cancel");
            });                             // the coordinator now confirms both, the last first
            // --- end ---

            Await.until(java.time.Duration.ofSeconds(10), "the tcc to be confirmed",
                    () -> client.query(tcc).transaction().status() == TransStatus.SUCCEEDED);
            assertThat(branches.trace(tcc)).containsExactly("/stock/reserve try", "/order/try try",
                    "/order/confirm confirm", "/stock/confirm confirm");

            org.h2.jdbcx.JdbcDataSource dataSource = new org.h2.jdbcx.JdbcDataSource();
            dataSource.setURL("jdbc:h2:mem:readme-msg-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
            try (java.sql.Connection c = dataSource.getConnection()) {
                c.createStatement().execute("CREATE TABLE orders (gid VARCHAR(128) PRIMARY KEY)");
                JdbcBarrier.detect(c).createTableIfMissing(c);
            }

            // --- README: 2-phase message ---
            JdbcBarrier barrier = JdbcBarrier.detect(dataSource);   // the sender's database; once
            String msg = client.newGid();
            Outcome placed = client.msg(msg)
                    .add(svc + "/credit/add", "{\"user\":1,\"amount\":30}")
                    .doAndSubmitDb(svc + "/orders/query-prepared", dataSource, barrier, tx -> {
                        PreparedStatement ps = tx.prepareStatement("INSERT INTO orders (gid) VALUES (?)");
                        ps.setString(1, msg);
                        ps.executeUpdate();
                        return Outcome.SUCCESS;   // commit; the coordinator then calls /credit/add until it succeeds
                    });
            // --- end ---

            assertThat(placed).isEqualTo(Outcome.SUCCESS);
            Await.until(java.time.Duration.ofSeconds(10), "the message to be sent",
                    () -> client.query(msg).transaction().status() == TransStatus.SUCCEEDED);
            assertThat(branches.trace(msg)).containsExactly("/credit/add action");
        }
    }
}
