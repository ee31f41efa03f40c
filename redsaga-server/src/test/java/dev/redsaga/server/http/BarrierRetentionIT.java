package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.redsaga.client.RedsagaClient;
import dev.redsaga.client.SubmitResult;
import dev.redsaga.client.barrier.BarrierRecords;
import dev.redsaga.client.barrier.BarrierRetention;
import dev.redsaga.client.barrier.BranchBarrier;
import dev.redsaga.client.barrier.JdbcBarrier;
import dev.redsaga.protocol.Outcome;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.testing.ScriptedBranches;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The barrier's retention asks the real coordinator and deletes the records of finished transactions only: never
 * those of a transaction still running (its compensation may yet come), nor of a gid the coordinator does not know.
 */
class BarrierRetentionIT {

    @Test
    void onlyTheRecordsOfFinishedTransactionsAreDeleted() throws Exception {
        EngineOptions engine = EngineOptions.builder().defaultRequestTimeoutMs(1_000).defaultRetryIntervalMs(50)
                .retryCapMs(400).leaseMs(5_000).claimBatch(100).pollIntervalMs(100).maxConcurrentDrives(64).build();
        HikariConfig db = new HikariConfig();
        db.setJdbcUrl("jdbc:h2:mem:retention-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        try (RedsagaServer server = RedsagaServer.start(ServerConfig.builder().port(0)
                .store("h2:mem:retention-store-" + UUID.randomUUID()).engine(engine).maxRequestBytes(64 * 1024)
                .instanceId("retention-it").build());
             ScriptedBranches branches = new ScriptedBranches();
             HikariDataSource ds = new HikariDataSource(db)) {
            RedsagaClient client = RedsagaClient.builder(server.baseUrl()).build();
            JdbcBarrier barrier = JdbcBarrier.detect(ds);
            try (Connection c = ds.getConnection()) {
                barrier.createTableIfMissing(c);
            }
            String finished = client.newGid();
            assertThat(client.saga(finished).step(branches.url("/a"), branches.url("/a-undo"), "{}").waitResult()
                    .submit()).isEqualTo(SubmitResult.SUCCESS);
            String running = client.newGid();
            client.saga(running).step(branches.url("/a"), branches.url("/a-undo"), "{}").prepare();
            String stranger = client.newGid();
            for (String gid : new String[] {finished, running, stranger}) {
                try (Connection c = ds.getConnection()) {
                    barrier.call(c, BranchBarrier.of("saga", gid, "01", "action"), tx -> Outcome.SUCCESS);
                }
            }
            BarrierRecords records = barrier.records(ds);

            BarrierRetention.Pass early = BarrierRetention.of(client).purge(records);
            assertThat(early.examined()).as("no record is a day old yet").isZero();

            BarrierRetention.Pass pass = BarrierRetention.of(client).keep(Duration.ZERO).purge(records);
            assertThat(pass).isEqualTo(new BarrierRetention.Pass(3, 1, 1, 1));
            assertThat(rows(ds, finished)).isZero();
            assertThat(rows(ds, running)).as("a running saga keeps its records").isEqualTo(1);
            assertThat(rows(ds, stranger)).as("an unknown gid keeps its records").isEqualTo(1);
        }
    }

    private static int rows(HikariDataSource ds, String gid) throws Exception {
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM barrier WHERE gid = ?")) {
            ps.setString(1, gid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
