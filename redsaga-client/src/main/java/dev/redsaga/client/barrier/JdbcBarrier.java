package dev.redsaga.client.barrier;

import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.TransType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The sub-transaction barrier on a SQL database (PostgreSQL, MySQL/MariaDB, H2): makes a branch idempotent,
 * turns the compensation of an action that never ran into a no-op, and refuses an action that arrives after its
 * compensation — all in the business's own local transaction, so the barrier rows commit or roll back with the
 * business change.
 *
 * <pre>{@code
 * JdbcBarrier barrier = JdbcBarrier.detect(dataSource);          // once
 * // in the handler of POST /stock/deduct?gid=..&trans_type=saga&branch_id=02&op=action
 * try (Connection c = dataSource.getConnection()) {
 *     Outcome o = barrier.call(c, BranchBarrier.from(queryParams), tx -> {
 *         int n = tx.prepareStatement("UPDATE stock SET available = available - 1 WHERE id = 7 AND available >= 1")
 *                   .executeUpdate();
 *         return n == 1 ? Outcome.SUCCESS : Outcome.FAILURE;     // FAILURE rolls everything back
 *     });
 *     BranchAnswer.of(o) ... // 200 / 409
 * }
 * }</pre>
 *
 * <p>For a request {@code op} with origin {@code originOp} (compensate → action, cancel → try):
 * <ol>
 *   <li>a compensation first inserts-if-absent the row {@code (gid, branch, originOp)};</li>
 *   <li>every request inserts-if-absent {@code (gid, branch, op)};</li>
 *   <li>a compensation whose step 1 added the row: the action never ran — commit (the row now blocks a late
 *       action) and answer SUCCESS without running the business (empty compensation);</li>
 *   <li>step 2 added nothing: a duplicate, or an action arriving after its compensation — commit, answer
 *       SUCCESS, business not run (a message's local transaction, op {@code msg}, whose row the back-check
 *       {@link #queryPrepared} wrote first answers FAILURE: the message is not sent);</li>
 *   <li>otherwise run the business: commit on SUCCESS, roll back (barrier rows too) on anything else.</li>
 * </ol>
 * Concurrent requests for the same branch serialise on the unique key: the second waits for the first's
 * transaction and then sees its rows (or, if it rolled back, inserts them itself).
 */
public final class JdbcBarrier {
    public static final String DEFAULT_TABLE = "barrier";
    private static final Pattern TABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?");
    /** One barrier call per branch request; DTM numbers several calls within one request "01", "02", ... */
    private static final String BARRIER_ID = "01";
    /** A message's local transaction and its back-check share one row: branch "00", op msg (DTM's). */
    private static final String MSG_BRANCH = "00";
    /** The reason the back-check writes into that row when it comes first: the local transaction lost. */
    private static final String ROLLED_BACK = "rollback";

    /** The SQL database kinds the barrier supports. */
    public enum Dialect {
        POSTGRESQL("postgresql", "LOCALTIMESTAMP - make_interval(secs => ?)"),
        MYSQL("mysql", "NOW() - INTERVAL ? SECOND"),
        H2("h2", "DATEADD(SECOND, -CAST(? AS BIGINT), LOCALTIMESTAMP)");

        private final String script;
        /** The database's own time, less a bound number of seconds: created_at is written by its clock. */
        private final String secondsAgo;

        Dialect(String script, String secondsAgo) {
            this.script = script;
            this.secondsAgo = secondsAgo;
        }
    }

    /** The business change of a branch, run in the barrier's transaction; it must not commit or roll back. */
    @FunctionalInterface
    public interface Business {
        /** @return SUCCESS to commit, FAILURE (business refusal) or ONGOING to roll back */
        Outcome run(Connection tx) throws SQLException;
    }

    private final Dialect dialect;
    private final String table;
    private final String insertSql;

    private JdbcBarrier(Dialect dialect, String table) {
        this.dialect = dialect;
        this.table = table;
        String columns = "(trans_type, gid, branch_id, op, barrier_id, reason) VALUES (?, ?, ?, ?, ?, ?)";
        this.insertSql = switch (dialect) {
            case POSTGRESQL -> "INSERT INTO " + table + " " + columns + " ON CONFLICT DO NOTHING";
            case MYSQL -> "INSERT IGNORE INTO " + table + " " + columns;
            // H2 has no insert-ignore; a duplicate is a 23505 that leaves the transaction usable
            case H2 -> "INSERT INTO " + table + " " + columns;
        };
    }

    public static JdbcBarrier of(Dialect dialect) {
        return of(dialect, DEFAULT_TABLE);
    }

    /** @param table the barrier table, optionally schema-qualified ({@code schema.table}) */
    public static JdbcBarrier of(Dialect dialect, String table) {
        if (dialect == null) {
            throw new IllegalArgumentException("dialect is required");
        }
        if (table == null || !TABLE.matcher(table).matches()) {
            throw new IllegalArgumentException("table '" + table + "' is invalid: use [schema.]name of letters, digits, _");
        }
        return new JdbcBarrier(dialect, table);
    }

    /** The barrier for the database behind {@code c}, with the default table. */
    public static JdbcBarrier detect(Connection c) throws SQLException {
        return of(dialectOf(c), DEFAULT_TABLE);
    }

    /** The barrier for the database behind {@code dataSource}, with the default table. */
    public static JdbcBarrier detect(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return detect(c);
        }
    }

    public static Dialect dialectOf(Connection c) throws SQLException {
        String product = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
        if (product.contains("postgres")) {
            return Dialect.POSTGRESQL;
        }
        if (product.contains("mysql") || product.contains("mariadb")) {
            return Dialect.MYSQL;
        }
        if (product.contains("h2")) {
            return Dialect.H2;
        }
        throw new SQLException("the barrier supports PostgreSQL, MySQL/MariaDB and H2, not " + product);
    }

    public Dialect dialect() {
        return dialect;
    }

    /** Creates the barrier table (and its unique key) if it does not exist, from {@code barrier-<dialect>.sql}. */
    public void createTableIfMissing(Connection c) throws SQLException {
        String name = table.substring(table.indexOf('.') + 1);
        String ddl = schemaScript(dialect).replace("${table}", table).replace("${name}", name);
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
            for (String statement : ddl.split(";")) {
                if (!statement.isBlank()) {
                    s.execute(statement);
                }
            }
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /** The DDL of the barrier table for {@code dialect}; {@code ${table}} and {@code ${name}} stand for its name. */
    public static String schemaScript(Dialect dialect) {
        String name = "barrier-" + dialect.script + ".sql";
        try (InputStream in = JdbcBarrier.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs {@code business} behind the barrier in one local transaction on {@code c}, and returns the answer to
     * give the coordinator. The connection's auto-commit setting is restored afterwards.
     *
     * @throws SQLException when the database fails (answer 500: the coordinator retries); nothing is committed.
     *     Anything else the business throws, {@code Error}s included, is rethrown after the same rollback.
     * @throws DeadlineExceededException when {@code b}'s deadline has passed: checked first, nothing is sent to
     *     the database (answer {@link dev.redsaga.client.BranchAnswer#retryLater})
     */
    public Outcome call(Connection c, BranchBarrier b, Business business) throws SQLException {
        if (b.deadlinePassed()) {
            throw new DeadlineExceededException(b);
        }
        return inTransaction(c, () -> {
            Optional<Outcome> answered = enter(c, b);
            if (answered.isPresent()) {
                // empty compensation (commit: the origin row must stay to refuse a late action), duplicate, or hanging
                c.commit();
                return answered.get();
            }
            Outcome o = business.run(c);
            if (o == Outcome.SUCCESS) {
                c.commit();
            } else {
                c.rollback();
            }
            return o;
        });
    }

    /**
     * The barrier's half of {@link #call}, for a caller whose transaction is managed elsewhere (Spring's
     * {@code @Transactional}): writes the barrier rows of {@code b} on {@code c}, inside the transaction open on it,
     * and says whether the business runs. The caller then ends the transaction as {@link #call} does: when this
     * answers an outcome (a duplicate, an empty compensation, a late action), commit — the rows must stay — and give
     * that answer without running the business; when it is empty, run the business, commit on SUCCESS and roll back
     * (the barrier rows with it) on anything else.
     *
     * @return the answer to give without running the business, or empty to run it
     * @throws SQLException when the database fails; roll back
     * @throws IllegalStateException when {@code c} is in auto-commit mode (the rows would commit on their own)
     */
    public Optional<Outcome> enter(Connection c, BranchBarrier b) throws SQLException {
        if (c.getAutoCommit()) {
            throw new IllegalStateException("the barrier's rows must be written in the business's transaction: the "
                    + "connection is in auto-commit mode (call it inside a transaction, or use call())");
        }
        BranchOp origin = b.op().origin();
        boolean originAdded = origin != null && insertIgnore(c, b, origin);
        boolean opAdded = insertIgnore(c, b, b.op());
        if (originAdded || !opAdded) {
            // a message's back-check that came first wrote the row: this local transaction must not happen
            boolean lost = !opAdded && b.op() == BranchOp.MSG && ROLLED_BACK.equals(msgReason(c, b.gid()));
            return Optional.of(lost ? Outcome.FAILURE : Outcome.SUCCESS);
        }
        return Optional.empty();
    }

    /** Work in one local transaction that commits or rolls back itself. */
    @FunctionalInterface
    private interface Work {
        Outcome run() throws SQLException;
    }

    /**
     * Runs {@code work} with auto-commit off, restoring it afterwards. Whatever escapes (an Error, a checked exception
     * a Kotlin or @SneakyThrows business did not declare) rolls back first: restoring auto-commit would otherwise
     * commit the half-done business.
     */
    private static Outcome inTransaction(Connection c, Work work) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            return work.run();
        } catch (Throwable e) {
            try {
                c.rollback();
            } catch (SQLException rollbackFailed) {
                e.addSuppressed(rollbackFailed);
            }
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /**
     * The records of this barrier in the database behind {@code dataSource}, for the retention
     * ({@link BarrierRetention}); each call takes a connection of its own.
     */
    public BarrierRecords records(DataSource dataSource) {
        String older = "SELECT gid FROM " + table + " WHERE created_at <= " + dialect.secondsAgo
                + " GROUP BY gid ORDER BY MIN(created_at) LIMIT ?";
        return new BarrierRecords() {
            @Override
            public List<String> gidsOlderThan(Duration age, int limit) {
                if (limit < 1) {
                    throw new IllegalArgumentException("limit must be at least 1, was " + limit);
                }
                try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(older)) {
                    ps.setLong(1, Math.max(0, age.getSeconds()));
                    ps.setInt(2, limit);
                    List<String> gids = new ArrayList<>();
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            gids.add(rs.getString(1));
                        }
                    }
                    return gids;
                } catch (SQLException e) {
                    throw new IllegalStateException("cannot list old barrier records in " + table + ": "
                            + e.getMessage(), e);
                }
            }

            @Override
            public void delete(Collection<String> gids) {
                if (gids.isEmpty()) {
                    return;
                }
                String marks = String.join(",", Collections.nCopies(gids.size(), "?"));
                try (Connection c = dataSource.getConnection();
                     PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE gid IN (" + marks + ")")) {
                    c.setAutoCommit(true);
                    int i = 1;
                    for (String gid : gids) {
                        ps.setString(i++, gid);
                    }
                    ps.executeUpdate();
                } catch (SQLException e) {
                    throw new IllegalStateException("cannot delete barrier records from " + table + ": "
                            + e.getMessage(), e);
                }
            }
        };
    }

    /**
     * Answers a message's back-check ({@code query_prepared}, called by the coordinator with {@code op=msg} when a
     * prepared message's submit did not come): SUCCESS if its local transaction committed (run with
     * {@link #call} and a {@link BranchBarrier} of op {@code msg}, branch {@code 00}), else FAILURE — and from now
     * on that local transaction cannot commit any more: the row written here makes its barrier refuse it. A local
     * transaction still running is waited for (the unique key). Auto-commit is restored afterwards.
     *
     * <pre>{@code
     * // GET /orders/query-prepared?gid=..&trans_type=msg&branch_id=00&op=msg
     * try (Connection c = dataSource.getConnection()) {
     *     return BranchAnswer.of(barrier.queryPrepared(c, queryParams.get("gid")));
     * }
     * }</pre>
     *
     * @throws SQLException when the database fails (answer 500: the coordinator asks again)
     */
    public Outcome queryPrepared(Connection c, String gid) throws SQLException {
        return inTransaction(c, () -> {
            insertIgnore(c, TransType.MSG.wire(), gid, MSG_BRANCH, BranchOp.MSG, ROLLED_BACK);
            String reason = msgReason(c, gid);
            c.commit();
            return ROLLED_BACK.equals(reason) ? Outcome.FAILURE : Outcome.SUCCESS;
        });
    }

    private String msgReason(Connection c, String gid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT reason FROM " + table
                + " WHERE gid = ? AND branch_id = ? AND op = ? AND barrier_id = ?")) {
            ps.setString(1, gid);
            ps.setString(2, MSG_BRANCH);
            ps.setString(3, BranchOp.MSG.wire());
            ps.setString(4, BARRIER_ID);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private boolean insertIgnore(Connection c, BranchBarrier b, BranchOp op) throws SQLException {
        return insertIgnore(c, b.transType(), b.gid(), b.branchId(), op, b.op().wire());
    }

    /** Inserts the record if absent (XA's branch uses it too); whether it was added. */
    boolean insertIgnore(Connection c, String transType, String gid, String branchId, BranchOp op,
            String reason) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(insertSql)) {
            ps.setString(1, transType);
            ps.setString(2, gid);
            ps.setString(3, branchId);
            ps.setString(4, op.wire());
            ps.setString(5, BARRIER_ID);
            ps.setString(6, reason);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            if (dialect == Dialect.H2 && "23505".equals(e.getSQLState())) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public String toString() {
        return "JdbcBarrier[" + dialect + ", table " + table + "]";
    }
}
