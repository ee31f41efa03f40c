package dev.redsaga.server.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.store.KvEntry;
import dev.redsaga.server.store.ListFilter;
import dev.redsaga.server.store.ListPosition;
import dev.redsaga.server.store.StoreException;
import dev.redsaga.server.store.StoreUris;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import dev.redsaga.server.store.TransactionSummary;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The store on a SQL database (H2, PostgreSQL, MariaDB/MySQL): one row per transaction, every change a
 * conditional {@code UPDATE ... WHERE version = ?}, due work claimed with {@code FOR UPDATE SKIP LOCKED}
 * where the database has it and with the same compare-and-set everywhere.
 *
 * <p>Retention: a transaction finished longer ago than the retention is compacted to its gid and final status (its
 * definition, payloads and progress emptied, {@code finished_at} cleared so the next sweep does not look at it
 * again): it is gone for {@link #find} and {@link #list}, and its gid stays taken.
 */
public final class JdbcTransactionStore implements TransactionStore {
    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    private static final String COLUMNS =
            "gid, trans_type, status, definition, progress, version, owner, next_due, created_at, updated_at, "
                    + "finished_at, reason";
    /** A listing's columns: no definition, no progress (they can weigh megabytes each). */
    private static final String SUMMARY_COLUMNS =
            "gid, trans_type, status, version, owner, next_due, created_at, updated_at, finished_at, reason";

    private final HikariDataSource dataSource;
    private final SqlDialect dialect;
    private final String table;
    private final String description;
    /** 0: keep every transaction whole. */
    private final long retentionMs;

    private final String insertSql;
    private final String findSql;
    private final String updateSql;
    private final String claimSelectSql;
    private final String claimUpdateSql;
    private final String compactSql;
    private final JdbcKv kv;
    /** Rows compacted per round of a sweep. */
    private static final int SWEEP_BATCH = 500;

    private JdbcTransactionStore(HikariDataSource dataSource, SqlDialect dialect, String table, String description,
            long retentionMs) {
        this.retentionMs = retentionMs;
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.table = table;
        this.description = description;
        this.insertSql = "INSERT INTO " + table + " (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)";
        this.findSql = "SELECT " + COLUMNS + " FROM " + table + " WHERE gid = ?";
        // the definition too: a TCC transaction's grows as its branches are registered
        this.updateSql = "UPDATE " + table + " SET status = ?, progress = ?, version = ?, owner = ?, next_due = ?, "
                + "updated_at = ?, finished_at = ?, reason = ?, definition = ? WHERE gid = ? AND version = ?";
        this.claimSelectSql = "SELECT " + COLUMNS + " FROM " + table
                + " WHERE next_due <= ? ORDER BY next_due LIMIT ?" + dialect.claimLock();
        this.claimUpdateSql = "UPDATE " + table
                + " SET owner = ?, next_due = ?, version = ?, updated_at = ? WHERE gid = ? AND version = ?";
        this.compactSql = "UPDATE " + table + " SET definition = '', progress = '', reason = NULL, owner = NULL, "
                + "finished_at = NULL, version = version + 1 WHERE gid = ? AND finished_at <= ?";
        this.kv = new JdbcKv(dataSource, table + "_kv", this);
    }

    /**
     * Opens the store and creates its table if missing.
     *
     * @param jdbcUrl  {@code jdbc:h2:...}, {@code jdbc:postgresql://...} or {@code jdbc:mariadb://...}
     * @param user     database user, or {@code null}
     * @param password database password, or {@code null}
     * @param table    table name (letters, digits, underscore)
     * @param poolSize maximum connections
     */
    public static JdbcTransactionStore open(String jdbcUrl, String user, String password, String table, int poolSize) {
        return open(jdbcUrl, user, password, table, poolSize, redact(jdbcUrl), Duration.ZERO);
    }

    /**
     * As {@link #open(String, String, String, String, int)}, described in logs as {@code label}, compacting the
     * transactions finished longer ago than {@code retention} ({@link Duration#ZERO}: never).
     */
    public static JdbcTransactionStore open(String jdbcUrl, String user, String password, String table, int poolSize,
            String label, Duration retention) {
        if (retention == null || retention.isNegative()) {
            throw new IllegalArgumentException("retention must be 0 (keep everything) or positive, was " + retention);
        }
        SqlDialect dialect = SqlDialect.fromJdbcUrl(jdbcUrl);
        if (!TABLE_NAME.matcher(table).matches()) {
            throw new IllegalArgumentException("table name '" + table + "' is invalid: use letters, digits and _");
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        if (user != null) {
            config.setUsername(user);
        }
        if (password != null) {
            config.setPassword(password);
        }
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("redsaga-store");
        config.setConnectionTimeout(30_000);
        config.setInitializationFailTimeout(5_000);
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(config);
        } catch (RuntimeException e) {
            // the driver's words, without the password a URI it could not parse may leave in them; and not the cause
            // itself, whose messages a log would print whole
            String why = StoreUris.scrub(StoreException.rootMessage(e), jdbcUrl);
            throw new StoreException("cannot connect to " + label + ": "
                    + (password == null || password.isEmpty() ? why : why.replace(password, "***")));
        }
        JdbcTransactionStore store = new JdbcTransactionStore(ds, dialect, table, label, retention.toMillis());
        try {
            store.createSchema();
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
        return store;
    }

    private void createSchema() {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String ddl : dialect.schema(table)) {
                s.execute(ddl);
            }
            // earlier builds spelled success 'succeeded'; DTM, and now we, spell it 'succeed'
            s.executeUpdate("UPDATE " + table + " SET status = '" + TransStatus.SUCCEEDED.wire() + "' WHERE status = '"
                    + TransStatus.LEGACY_SUCCEEDED + "'");
        } catch (SQLException e) {
            throw new StoreException("cannot create or update table " + table + " in " + description + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public Optional<TransactionRecord> insertIfAbsent(TransactionRecord r) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(insertSql)) {
                bindAll(ps, r);
                ps.executeUpdate();
                return Optional.empty();
            } catch (SQLException e) {
                if (!isDuplicateKey(e)) {
                    throw writeFailure(c, "insert " + r.gid(), e);
                }
            }
            Optional<TransactionRecord> existing = read(c, r.gid());
            if (existing.isEmpty()) {
                throw new StoreException("gid " + r.gid() + " was reported as duplicate but is not stored");
            }
            TransactionRecord e = existing.get();
            return Optional.of(e.isRemoved() ? TransactionRecord.removed(e.gid(), e.status()) : e);
        } catch (SQLException e) {
            throw failure("insert " + r.gid(), e);
        }
    }

    @Override
    public Optional<TransactionRecord> find(String gid) {
        try (Connection c = dataSource.getConnection()) {
            return find(c, gid);
        } catch (SQLException e) {
            throw failure("find " + gid, e);
        }
    }

    /** The transaction, unless the retention compacted it (then it is gone, as on every store). */
    private Optional<TransactionRecord> find(Connection c, String gid) throws SQLException {
        return read(c, gid).filter(r -> !r.isRemoved());
    }

    /** The row as it is, compacted or not. */
    private Optional<TransactionRecord> read(Connection c, String gid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(findSql)) {
            ps.setString(1, gid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    @Override
    public boolean compareAndSet(TransactionRecord n) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(updateSql)) {
                ps.setString(1, n.status().wire());
                ps.setString(2, n.progress());
                ps.setLong(3, n.version());
                ps.setString(4, n.owner());
                setLong(ps, 5, n.nextDueAt());
                ps.setLong(6, n.updatedAt());
                setLong(ps, 7, n.finishedAt());
                ps.setString(8, n.reason());
                ps.setString(9, n.definition());
                ps.setString(10, n.gid());
                ps.setLong(11, n.version() - 1);
                return ps.executeUpdate() == 1;
            } catch (SQLException e) {
                throw writeFailure(c, "update " + n.gid(), e);
            }
        } catch (SQLException e) {
            throw failure("update " + n.gid(), e);
        }
    }

    @Override
    public List<TransactionRecord> claimDue(long now, String owner, long leaseUntil, int limit) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<TransactionRecord> candidates = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement(claimSelectSql)) {
                    ps.setLong(1, now);
                    ps.setInt(2, limit);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            candidates.add(read(rs));
                        }
                    }
                }
                List<TransactionRecord> claimed = new ArrayList<>(candidates.size());
                if (!candidates.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement(claimUpdateSql)) {
                        for (TransactionRecord r : candidates) {
                            ps.setString(1, owner);
                            ps.setLong(2, leaseUntil);
                            ps.setLong(3, r.version() + 1);
                            ps.setLong(4, now);
                            ps.setString(5, r.gid());
                            ps.setLong(6, r.version());
                            ps.addBatch();
                        }
                        int[] counts = ps.executeBatch();
                        Set<String> unknown = new HashSet<>();
                        for (int i = 0; i < counts.length; i++) {
                            if (counts[i] != 0 && counts[i] != 1) {
                                // SUCCESS_NO_INFO (-2, MariaDB's bulk protocol): won or lost, the count does not say
                                unknown.add(candidates.get(i).gid());
                            }
                        }
                        Map<String, Long> versions = unknown.isEmpty() ? Map.of() : versionsHeldBy(c, unknown, owner);
                        for (int i = 0; i < counts.length; i++) {
                            TransactionRecord r = candidates.get(i);
                            boolean won = unknown.contains(r.gid())
                                    ? Long.valueOf(r.version() + 1).equals(versions.get(r.gid()))
                                    : counts[i] == 1;
                            if (won) {
                                claimed.add(r.next(r.status(), r.progress(), owner, leaseUntil, now, r.reason()));
                            }
                        }
                    }
                }
                c.commit();
                return claimed;
            } catch (Throwable e) {
                // whatever escapes (an Error too) rolls back before auto-commit is restored, which would commit
                try {
                    c.rollback();
                } catch (SQLException rollbackFailed) {
                    e.addSuppressed(rollbackFailed);
                }
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure("claim due transactions", e);
        }
    }

    /** Versions of those of {@code gids} that {@code owner} holds, read in the claim's own transaction. */
    private Map<String, Long> versionsHeldBy(Connection c, Set<String> gids, String owner) throws SQLException {
        String marks = String.join(",", java.util.Collections.nCopies(gids.size(), "?"));
        Map<String, Long> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT gid, version FROM " + table + " WHERE owner = ? AND gid IN ("
                + marks + ")")) {
            ps.setString(1, owner);
            int i = 2;
            for (String gid : gids) {
                ps.setString(i++, gid);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return out;
    }

    /** The SQL stores have no retention: they keep every transaction, so no gid is ever accepted twice. */
    @Override
    public int sweep(long now) {
        if (retentionMs == 0) {
            return 0;
        }
        long cutoff = now - retentionMs;
        int compacted = 0;
        try (Connection c = dataSource.getConnection()) {
            while (true) {
                List<String> gids = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT gid FROM " + table
                        + " WHERE finished_at <= ? ORDER BY finished_at LIMIT " + SWEEP_BATCH)) {
                    ps.setLong(1, cutoff);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            gids.add(rs.getString(1));
                        }
                    }
                }
                if (gids.isEmpty()) {
                    return compacted;
                }
                // one statement per row, each a compare on finished_at (nothing finished since is touched); the
                // version moves, so a writer still holding the old one cannot write the row back
                try (PreparedStatement ps = c.prepareStatement(compactSql)) {
                    for (String gid : gids) {
                        ps.setString(1, gid);
                        ps.setLong(2, cutoff);
                        ps.addBatch();
                    }
                    for (int n : ps.executeBatch()) {
                        compacted += Math.max(n, 0);
                    }
                }
                if (gids.size() < SWEEP_BATCH) {
                    return compacted;
                }
            }
        } catch (SQLException e) {
            throw failure("apply its retention", e);
        }
    }

    @Override
    public Page list(ListFilter filter, String position, int limit) {
        ListPosition pos = ListPosition.parse(position);
        long posCreated = pos == null ? Long.MAX_VALUE : pos.createdAt();
        StringBuilder sql = new StringBuilder("SELECT " + SUMMARY_COLUMNS + " FROM " + table + " WHERE ");
        List<Object> params = new ArrayList<>();
        if (filter.status() != null) {
            sql.append("status = ? AND ");
            params.add(filter.status().wire());
        }
        if (filter.transType() != null) {
            sql.append("trans_type = ? AND ");
            params.add(filter.transType());
        }
        if (filter.createdFrom() != null) {
            sql.append("created_at >= ? AND ");
            params.add(filter.createdFrom());
        }
        if (filter.createdUntil() != null) {
            sql.append("created_at <= ? AND ");
            params.add(filter.createdUntil());
        }
        if (filter.gidPrefix() != null) {
            sql.append("gid LIKE ? ESCAPE '!' AND ");
            params.add(filter.gidPrefix().replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%");
        }
        // compacted by the retention: gone
        sql.append("definition <> '' AND ");
        sql.append("(created_at < ? OR (created_at = ? AND gid < ?)) ORDER BY created_at DESC, gid DESC LIMIT ?");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int i = 1;
            for (Object p : params) {
                ps.setObject(i++, p);
            }
            ps.setLong(i++, posCreated);
            ps.setLong(i++, posCreated);
            ps.setString(i++, pos == null ? "\uffff" : pos.gid());
            ps.setInt(i, limit + 1);
            List<TransactionSummary> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new TransactionSummary(rs.getString(1), rs.getString(2),
                            TransStatus.fromStored(rs.getString(3)), rs.getLong(4), rs.getString(5), getLong(rs, 6),
                            rs.getLong(7), rs.getLong(8), getLong(rs, 9), rs.getString(10)));
                }
            }
            String next = null;
            if (out.size() > limit) {
                out.remove(out.size() - 1);
                TransactionSummary last = out.get(out.size() - 1);
                next = ListPosition.after(last);
            }
            return new Page(out, next);
        } catch (SQLException e) {
            throw failure("list transactions", e);
        }
    }

    /** One indexed count and, per unfinished status, one index seek (status, created_at). */
    @Override
    public Backlog backlog(long now) {
        try (Connection c = dataSource.getConnection()) {
            long due;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + table + " WHERE next_due <= ?")) {
                ps.setLong(1, now);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    due = rs.getLong(1);
                }
            }
            Map<TransStatus, Long> oldest = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT MIN(created_at) FROM " + table
                    + " WHERE status = ?")) {
                for (TransStatus status : TransStatus.values()) {
                    if (status.isTerminal()) {
                        continue;
                    }
                    ps.setString(1, status.wire());
                    try (ResultSet rs = ps.executeQuery()) {
                        Long min = rs.next() ? getLong(rs, 1) : null;
                        if (min != null) {
                            oldest.put(status, min);
                        }
                    }
                }
            }
            return new Backlog(due, oldest);
        } catch (SQLException e) {
            throw failure("count its backlog", e);
        }
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        dataSource.close();
    }

    private static void bindAll(PreparedStatement ps, TransactionRecord r) throws SQLException {
        ps.setString(1, r.gid());
        ps.setString(2, r.transType());
        ps.setString(3, r.status().wire());
        ps.setString(4, r.definition());
        ps.setString(5, r.progress());
        ps.setLong(6, r.version());
        ps.setString(7, r.owner());
        setLong(ps, 8, r.nextDueAt());
        ps.setLong(9, r.createdAt());
        ps.setLong(10, r.updatedAt());
        setLong(ps, 11, r.finishedAt());
        ps.setString(12, r.reason());
    }

    private static TransactionRecord read(ResultSet rs) throws SQLException {
        return new TransactionRecord(
                rs.getString(1), rs.getString(2), TransStatus.fromStored(rs.getString(3)), rs.getString(4),
                rs.getString(5), rs.getLong(6), rs.getString(7), getLong(rs, 8), rs.getLong(9), rs.getLong(10),
                getLong(rs, 11), rs.getString(12));
    }

    private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, v);
        }
    }

    private static Long getLong(ResultSet rs, int i) throws SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? null : v;
    }

    @Override
    public Optional<KvEntry> findKv(String cat, String key) {
        return kv.find(cat, key);
    }

    @Override
    public boolean putKv(KvEntry next) {
        return kv.put(next);
    }

    @Override
    public boolean deleteKv(String cat, String key) {
        return kv.delete(cat, key);
    }

    @Override
    public KvPage scanKv(String cat, String after, int limit) {
        return kv.scan(cat, after, limit);
    }

    static boolean isDuplicateKey(SQLException e) {
        // 23505: unique violation (PostgreSQL, H2); MariaDB reports 23000 with error 1062 (ER_DUP_ENTRY)
        return "23505".equals(e.getSQLState()) || ("23000".equals(e.getSQLState()) && e.getErrorCode() == 1062);
    }

    StoreException failure(String what, SQLException e) {
        return new StoreException("store " + description + " failed to " + what + ": " + e.getMessage(), e);
    }

    /**
     * A failed write (in auto-commit: one statement, one transaction). Only an error that says the database refused
     * the statement is a definite "not written": a data exception, a constraint, a rolled-back transaction
     * (serialization, deadlock) or a syntax or access rule (SQL state classes 22, 23, 40, 42). Anything else — a
     * connection lost with the statement in flight (class 08), a driver that lost track of its protocol (0100E, "a
     * result was returned when none was expected", seen after an OutOfMemoryError), no state at all — leaves the
     * outcome unknown, and the connection is evicted from the pool: whatever state it is in, no later write meets
     * it. A failure to get a connection at all happens before anything is sent: that is {@link #failure}.
     */
    StoreException writeFailure(Connection c, String what, SQLException e) {
        String state = e.getSQLState();
        boolean refused = state != null && state.length() >= 2 && !(e instanceof java.sql.SQLRecoverableException)
                && DEFINITE_REJECTIONS.contains(state.substring(0, 2));
        String message = "store " + description + " failed to " + what + ": " + e.getMessage();
        if (refused) {
            return new StoreException(message, e);
        }
        dataSource.evictConnection(c);
        return StoreException.outcomeUnknown(message, e);
    }

    /** SQL state classes by which a database says it refused a statement: nothing of it was written. */
    private static final Set<String> DEFINITE_REJECTIONS = Set.of("22", "23", "40", "42");

    /** Drops a password from a JDBC URL so it never reaches a log. */
    static String redact(String url) {
        return StoreUris.redact(url);
    }
}
