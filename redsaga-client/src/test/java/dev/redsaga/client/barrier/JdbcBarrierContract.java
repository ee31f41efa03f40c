package dev.redsaga.client.barrier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.redsaga.protocol.Outcome;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The barrier's contract, run against each real database: idempotency, empty compensation, anti-hanging,
 * rollback with the business, and action/compensation races. The business effect is a row in {@code effects}
 * per execution, so every test can count exactly what ran.
 */
abstract class JdbcBarrierContract {
    String suffix;
    String barrierTable;
    String effectsTable;
    JdbcBarrier barrier;

    abstract String url();

    abstract void requireService();

    Connection connect() throws SQLException {
        return DriverManager.getConnection(url());
    }

    @BeforeEach
    void createTables() throws SQLException {
        requireService();
        suffix = Long.toString(ThreadLocalRandom.current().nextLong() >>> 20, 36);
        barrierTable = "barrier_" + suffix;
        effectsTable = "effects_" + suffix;
        try (Connection c = connect()) {
            barrier = JdbcBarrier.of(JdbcBarrier.dialectOf(c), barrierTable);
            barrier.createTableIfMissing(c);
            barrier.createTableIfMissing(c); // idempotent
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE " + effectsTable + " (gid VARCHAR(128) NOT NULL, op VARCHAR(16) NOT NULL)");
            }
        }
    }

    @AfterEach
    void dropTables() throws SQLException {
        if (suffix == null) {
            return;
        }
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + barrierTable);
            s.execute("DROP TABLE IF EXISTS " + effectsTable);
        }
    }

    Outcome call(String gid, String op) throws SQLException {
        return call(gid, op, Outcome.SUCCESS);
    }

    /** One branch request: the business records one effect row, then answers {@code answer}. */
    Outcome call(String gid, String op, Outcome answer) throws SQLException {
        return call(op.equals("action") || op.equals("compensate") ? "saga" : "tcc", gid, op, answer);
    }

    Outcome call(String transType, String gid, String op, Outcome answer) throws SQLException {
        try (Connection c = connect()) {
            return barrier.call(c, BranchBarrier.of(transType, gid, "01", op), tx -> {
                try (PreparedStatement ps = tx.prepareStatement("INSERT INTO " + effectsTable + " VALUES (?, ?)")) {
                    ps.setString(1, gid);
                    ps.setString(2, op);
                    ps.executeUpdate();
                }
                return answer;
            });
        }
    }

    int effects(String gid, String op) throws SQLException {
        try (Connection c = connect();
             PreparedStatement ps = c.prepareStatement("SELECT gid FROM " + effectsTable + " WHERE op = ?")) {
            ps.setString(1, op);
            int n = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    // compared here, byte for byte: the test's own table has the database's default collation
                    n += gid.equals(rs.getString(1)) ? 1 : 0;
                }
            }
            return n;
        }
    }

    int barrierRows(String gid) throws SQLException {
        try (Connection c = connect();
             PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + barrierTable + " WHERE gid = ?")) {
            ps.setString(1, gid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** A request whose caller stopped waiting is refused before the database sees it: no business, no barrier row. */
    @Test
    void aRequestPastItsDeadlineTouchesNothingAndItsRetryRuns() throws SQLException {
        Map<String, String> query = Map.of("trans_type", "saga", "gid", "g-late", "branch_id", "01", "op", "action");
        BranchBarrier late = BranchBarrier.from(query, Long.toString(System.currentTimeMillis() - 1));
        try (Connection c = connect()) {
            boolean autoCommit = c.getAutoCommit();
            assertThatThrownBy(() -> barrier.call(c, late, tx -> {
                throw new AssertionError("the business ran past the deadline");
            })).isInstanceOf(DeadlineExceededException.class).hasMessageContaining("g-late/01");
            assertThat(c.getAutoCommit()).isEqualTo(autoCommit);
        }
        assertThat(barrierRows("g-late")).isZero();

        BranchBarrier retry = BranchBarrier.from(query, Long.toString(System.currentTimeMillis() + 60_000));
        try (Connection c = connect()) {
            assertThat(barrier.call(c, retry, tx -> Outcome.SUCCESS)).isEqualTo(Outcome.SUCCESS);
        }
        assertThat(barrierRows("g-late")).isEqualTo(1);
        // no header (a DTM coordinator) or an unreadable one: no deadline
        assertThat(BranchBarrier.from(query, null).deadline()).isZero();
        assertThat(BranchBarrier.from(query, "soon").deadlinePassed()).isFalse();
    }

    /**
     * TCC: try, confirm and cancel each run once; a cancel whose try never ran is empty and refuses the late try
     * (the origin of cancel is try), so nothing stays reserved that no confirm or cancel will ever settle.
     */
    @Test
    void tccOpsRunOnceAndAnEarlyCancelBlocksTheLateTry() throws SQLException {
        assertThat(call("t1", "try")).isEqualTo(Outcome.SUCCESS);
        assertThat(call("t1", "try")).isEqualTo(Outcome.SUCCESS);
        assertThat(call("t1", "confirm")).isEqualTo(Outcome.SUCCESS);
        assertThat(call("t1", "confirm")).isEqualTo(Outcome.SUCCESS);
        assertThat(effects("t1", "try")).isEqualTo(1);
        assertThat(effects("t1", "confirm")).isEqualTo(1);

        assertThat(call("t2", "cancel")).isEqualTo(Outcome.SUCCESS);
        assertThat(effects("t2", "cancel")).as("empty cancel").isZero();
        assertThat(call("t2", "try")).isEqualTo(Outcome.SUCCESS);
        assertThat(effects("t2", "try")).as("the late try is refused").isZero();

        assertThat(call("t3", "try")).isEqualTo(Outcome.SUCCESS);
        assertThat(call("t3", "cancel")).isEqualTo(Outcome.SUCCESS);
        assertThat(call("t3", "cancel")).isEqualTo(Outcome.SUCCESS);
        assertThat(effects("t3", "cancel")).isEqualTo(1);
    }

    /** A message's local transaction (branch 00, op msg): the business records one effect, answers {@code answer}. */
    Outcome msgLocal(String gid, Outcome answer) throws SQLException {
        try (Connection c = connect()) {
            return barrier.call(c, new BranchBarrier("msg", gid, "00", dev.redsaga.protocol.BranchOp.MSG), tx -> {
                try (PreparedStatement ps = tx.prepareStatement("INSERT INTO " + effectsTable + " VALUES (?, 'msg')")) {
                    ps.setString(1, gid);
                    ps.executeUpdate();
                }
                return answer;
            });
        }
    }

    Outcome queryPrepared(String gid) throws SQLException {
        try (Connection c = connect()) {
            return barrier.queryPrepared(c, gid);
        }
    }

    /**
     * A message: the back-check answers SUCCESS exactly when the local transaction committed, and once it answered
     * FAILURE the local transaction can never commit (else the message would be lost though the business happened).
     */
    @Test
    void theBackCheckOfAMessageAgreesWithItsLocalTransactionForGood() throws SQLException {
        assertThat(msgLocal("m1", Outcome.SUCCESS)).isEqualTo(Outcome.SUCCESS);
        assertThat(queryPrepared("m1")).isEqualTo(Outcome.SUCCESS);
        assertThat(queryPrepared("m1")).isEqualTo(Outcome.SUCCESS);
        assertThat(msgLocal("m1", Outcome.SUCCESS)).as("run again: done already").isEqualTo(Outcome.SUCCESS);
        assertThat(effects("m1", "msg")).isEqualTo(1);

        assertThat(queryPrepared("m2")).as("asked before the local transaction").isEqualTo(Outcome.FAILURE);
        assertThat(msgLocal("m2", Outcome.SUCCESS)).as("too late: the message is given up").isEqualTo(Outcome.FAILURE);
        assertThat(effects("m2", "msg")).isZero();
        assertThat(queryPrepared("m2")).isEqualTo(Outcome.FAILURE);

        assertThat(msgLocal("m3", Outcome.FAILURE)).isEqualTo(Outcome.FAILURE);
        assertThat(effects("m3", "msg")).isZero();
        assertThat(queryPrepared("m3")).isEqualTo(Outcome.FAILURE);
        assertThat(msgLocal("m3", Outcome.SUCCESS)).isEqualTo(Outcome.FAILURE);
        assertThat(effects("m3", "msg")).isZero();
    }

    /** The local transaction and the back-check at the same moment: they always agree, whichever wins. */
    @Test
    void aMessagesLocalTransactionRacingItsBackCheckAlwaysAgrees() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 100; i++) {
                String gid = "mrace-" + i;
                CyclicBarrier start = new CyclicBarrier(2);
                CompletableFuture<Outcome> local = CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                        return msgLocal(gid, Outcome.SUCCESS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, pool);
                CompletableFuture<Outcome> check = CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                        return queryPrepared(gid);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, pool);
                assertThat(check.get()).as(gid).isEqualTo(local.get());
                assertThat(effects(gid, "msg")).as(gid).isEqualTo(local.get() == Outcome.SUCCESS ? 1 : 0);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A service that used DTM's barrier switches without migrating: the barrier runs on the table DTM's scripts
     * create (sqls/dtmcli.barrier.*.sql: branch ids up to 128, no created_at), writing the rows DTM's would.
     */
    @Test
    void theBarrierRunsOnTheTableDtmsScriptsCreate() throws SQLException {
        String dtmTable = "dtm_barrier_" + suffix;
        String ddl = switch (barrier.dialect()) {
            case POSTGRESQL -> "CREATE TABLE " + dtmTable + " (id bigserial PRIMARY KEY, trans_type varchar(45) "
                    + "default '', gid varchar(128) default '', branch_id varchar(128) default '', op varchar(45) "
                    + "default '', barrier_id varchar(45) default '', reason varchar(45) default '', create_time "
                    + "timestamp(0) with time zone DEFAULT NULL, update_time timestamp(0) with time zone DEFAULT NULL, "
                    + "CONSTRAINT " + dtmTable + "_uniq unique(gid, branch_id, op, barrier_id))";
            case MYSQL, H2 -> "CREATE TABLE " + dtmTable + " (id bigint PRIMARY KEY AUTO_INCREMENT, trans_type "
                    + "varchar(45) default '', gid varchar(128) default '', branch_id varchar(128) default '', op "
                    + "varchar(45) default '', barrier_id varchar(45) default '', reason varchar(45) default '', "
                    + "create_time datetime DEFAULT now(), update_time datetime DEFAULT now(), "
                    + "UNIQUE (gid, branch_id, op, barrier_id))";
        };
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute(ddl);
        }
        try {
            JdbcBarrier onDtms = JdbcBarrier.of(barrier.dialect(), dtmTable);
            String longBranch = "b".repeat(128);
            try (Connection c = connect()) {
                assertThat(onDtms.call(c, BranchBarrier.of("saga", "d1", longBranch, "compensate"),
                        tx -> Outcome.SUCCESS)).isEqualTo(Outcome.SUCCESS);
                assertThat(onDtms.call(c, BranchBarrier.of("saga", "d1", longBranch, "action"), tx -> {
                    throw new AssertionError("the action after its compensation ran");
                })).isEqualTo(Outcome.SUCCESS);
                assertThat(onDtms.queryPrepared(c, "d2")).isEqualTo(Outcome.FAILURE);
            }
            try (Connection c = connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT gid, op, barrier_id, reason FROM " + dtmTable
                         + " ORDER BY id")) {
                List<String> rows = new java.util.ArrayList<>();
                while (rs.next()) {
                    rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4));
                }
                assertThat(rows).containsExactly("d1 action 01 compensate", "d1 compensate 01 compensate",
                        "d2 msg 01 rollback");
            }
        } finally {
            try (Connection c = connect(); Statement st = c.createStatement()) {
                st.execute("DROP TABLE IF EXISTS " + dtmTable);
            }
        }
    }

    @Test
    void actionThenCompensationBothRun() throws SQLException {
        assertThat(call("g1", "action")).isEqualTo(Outcome.SUCCESS);
        assertThat(call("g1", "compensate")).isEqualTo(Outcome.SUCCESS);
        assertThat(effects("g1", "action")).isEqualTo(1);
        assertThat(effects("g1", "compensate")).isEqualTo(1);
    }

    @Test
    void compensationOfAnActionThatNeverRanIsEmptyAndBlocksTheLateAction() throws SQLException {
        assertThat(call("g2", "compensate")).isEqualTo(Outcome.SUCCESS);
        assertThat(effects("g2", "compensate")).as("empty compensation runs no business").isZero();
        // the origin row was committed with the empty compensation: the late action is refused
        assertThat(call("g2", "action")).isEqualTo(Outcome.SUCCESS);
        assertThat(effects("g2", "action")).as("hanging action runs no business").isZero();
        assertThat(barrierRows("g2")).isEqualTo(2);
    }

    /** Gids and branch ids are compared byte for byte: {@code Order-1} is not {@code order-1}. */
    @Test
    void gidsDifferingOnlyInCaseHaveTheirOwnBarrier() throws SQLException {
        assertThat(call("Order-1", "action")).isEqualTo(Outcome.SUCCESS);
        assertThat(call("order-1", "action")).isEqualTo(Outcome.SUCCESS);
        assertThat(call("ORDER-1", "compensate")).isEqualTo(Outcome.SUCCESS);
        assertThat(effects("Order-1", "action")).isEqualTo(1);
        assertThat(effects("order-1", "action")).as("not a duplicate of Order-1").isEqualTo(1);
        assertThat(effects("ORDER-1", "compensate")).as("not a compensation of order-1 or Order-1").isZero();
        assertThat(barrierRows("Order-1")).isEqualTo(1);
    }

    /** The retention's view: gids by the age of their first record (the database's clock), deleted by gid. */
    @Test
    void recordsAreListedByAgeAndDeletedByGid() throws Exception {
        call("old-1", "action");
        call("old-1", "compensate");
        call("old-2", "compensate");
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url());
        config.setMaximumPoolSize(2);
        try (HikariDataSource ds = new HikariDataSource(config)) {
            BarrierRecords records = barrier.records(ds);
            assertThat(records.gidsOlderThan(Duration.ZERO, 10)).containsExactlyInAnyOrder("old-1", "old-2");
            assertThat(records.gidsOlderThan(Duration.ZERO, 1)).hasSize(1);
            assertThat(records.gidsOlderThan(Duration.ofHours(1), 10)).as("none is an hour old").isEmpty();

            records.delete(List.of("old-1"));
            assertThat(barrierRows("old-1")).isZero();
            assertThat(barrierRows("old-2")).isEqualTo(2);
            assertThat(records.gidsOlderThan(Duration.ZERO, 10)).containsExactly("old-2");
        }
    }

    @Test
    void duplicateActionRunsOnce() throws SQLException {
        assertThat(call("g3", "action")).isEqualTo(Outcome.SUCCESS);
        assertThat(call("g3", "action")).isEqualTo(Outcome.SUCCESS);
        assertThat(effects("g3", "action")).isEqualTo(1);
    }

    @Test
    void duplicateCompensationRunsOnce() throws SQLException {
        call("g4", "action");
        call("g4", "compensate");
        call("g4", "compensate");
        assertThat(effects("g4", "compensate")).isEqualTo(1);
    }

    @Test
    void businessFailureRollsBackTheBarrierRowsSoARetryRuns() throws SQLException {
        assertThat(call("g5", "action", Outcome.FAILURE)).isEqualTo(Outcome.FAILURE);
        assertThat(effects("g5", "action")).isZero();
        assertThat(barrierRows("g5")).isZero();
        assertThat(call("g5", "action")).isEqualTo(Outcome.SUCCESS);
        assertThat(effects("g5", "action")).isEqualTo(1);
    }

    @Test
    void compensationAfterAFailedActionIsEmpty() throws SQLException {
        call("g6", "action", Outcome.FAILURE);
        assertThat(call("g6", "compensate")).isEqualTo(Outcome.SUCCESS);
        assertThat(effects("g6", "compensate")).isZero();
    }

    @Test
    void databaseErrorInTheBusinessRollsBackAndIsRethrown() throws SQLException {
        try (Connection c = connect()) {
            assertThatThrownBy(() -> barrier.call(c, BranchBarrier.of("saga", "g7", "01", "action"), tx -> {
                tx.createStatement().execute("INSERT INTO no_such_table_" + suffix + " VALUES (1)");
                return Outcome.SUCCESS;
            })).isInstanceOf(SQLException.class);
            assertThat(c.getAutoCommit()).as("auto-commit restored").isTrue();
        }
        assertThat(barrierRows("g7")).isZero();
    }

    /**
     * Whatever escapes the business — an {@code Error} or a checked exception the signature does not declare
     * (Lombok's {@code @SneakyThrows}, Kotlin) — rolls back the half-done business and the barrier rows: nothing of
     * the request is committed, so the coordinator's retry runs the business again.
     */
    @Test
    void anythingEscapingTheBusinessRollsBackEverything() throws SQLException {
        Throwable[] escapes = {new AssertionError("assert in business"), new StackOverflowError(),
                new java.io.IOException("undeclared checked exception")};
        for (int i = 0; i < escapes.length; i++) {
            String gid = "escape-" + i;
            Throwable escape = escapes[i];
            try (Connection c = connect()) {
                assertThatThrownBy(() -> barrier.call(c, BranchBarrier.of("saga", gid, "01", "action"), tx -> {
                    try (PreparedStatement ps = tx.prepareStatement("INSERT INTO " + effectsTable + " VALUES (?, ?)")) {
                        ps.setString(1, gid);
                        ps.setString(2, "action");
                        ps.executeUpdate();
                    }
                    throw JdbcBarrierContract.<RuntimeException>sneaky(escape);
                })).isSameAs(escape);
                assertThat(c.getAutoCommit()).as("auto-commit restored").isTrue();
            }
            assertThat(effects(gid, "action")).as(escape + ": half-done business committed").isZero();
            assertThat(barrierRows(gid)).as(escape + ": barrier row committed").isZero();
            assertThat(call(gid, "action")).as("the retry runs the business").isEqualTo(Outcome.SUCCESS);
            assertThat(effects(gid, "action")).isEqualTo(1);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> T sneaky(Throwable t) throws T {
        throw (T) t;
    }

    /**
     * Action and compensation delivered at the same moment, many times: the outcome is always all or nothing —
     * both ran (action first) or neither ran; never the compensation alone, never the action alone.
     */
    @Test
    void actionAndCompensationRacingAreAlwaysConsistent() throws Exception {
        int rounds = 200;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < rounds; i++) {
                String gid = "race-" + i;
                CyclicBarrier start = new CyclicBarrier(2);
                CompletableFuture<Outcome> a = CompletableFuture.supplyAsync(() -> race(start, gid, "action"), pool);
                CompletableFuture<Outcome> c = CompletableFuture.supplyAsync(() -> race(start, gid, "compensate"), pool);
                assertThat(a.get()).isEqualTo(Outcome.SUCCESS);
                assertThat(c.get()).isEqualTo(Outcome.SUCCESS);
            }
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT gid, op, COUNT(*) FROM " + effectsTable + " GROUP BY gid, op")) {
            Map<String, int[]> byGid = new java.util.HashMap<>();
            while (rs.next()) {
                int[] counts = byGid.computeIfAbsent(rs.getString(1), k -> new int[2]);
                counts["action".equals(rs.getString(2)) ? 0 : 1] = rs.getInt(3);
            }
            byGid.forEach((gid, counts) -> assertThat(counts[0]).as(gid + " action vs compensation")
                    .isEqualTo(counts[1]).isLessThanOrEqualTo(1));
        }
    }

    private Outcome race(CyclicBarrier start, String gid, String op) {
        try {
            start.await();
            return call(gid, op);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void branchRequestsWithMissingParametersAreRefusedClearly() {
        assertThatThrownBy(() -> BranchBarrier.from(Map.of("gid", "g", "branch_id", "01", "op", "action")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trans_type");
        assertThatThrownBy(() -> BranchBarrier.of("saga", "g", "01", "undo"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown branch op 'undo'");
        assertThatThrownBy(() -> JdbcBarrier.of(JdbcBarrier.Dialect.H2, "x; DROP TABLE y"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid");
    }
}
