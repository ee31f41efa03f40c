package dev.redsaga.server.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.store.KvEntry;
import dev.redsaga.server.store.ListFilter;
import dev.redsaga.server.store.StoreException;
import dev.redsaga.server.store.StoreUris;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
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
    private final SqlFailures failures;
    private final JdbcKv kv;
    private final JdbcListings listings;
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
        this.failures = new SqlFailures(dataSource, description);
        this.kv = new JdbcKv(dataSource, table + "_kv", failures);
        this.listings = new JdbcListings(dataSource, table, failures);
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
                if (!SqlFailures.isDuplicateKey(e)) {
                    throw failures.writeFailure(c, "insert " + r.gid(), e);
                }
            }
            Optional<TransactionRecord> existing = read(c, r.gid());
            if (existing.isEmpty()) {
                throw new StoreException("gid " + r.gid() + " was reported as duplicate but is not stored");
            }
            TransactionRecord e = existing.get();
            return Optional.of(e.isRemoved() ? TransactionRecord.removed(e.gid(), e.status()) : e);
        } catch (SQLException e) {
            throw failures.failure("insert " + r.gid(), e);
        }
    }

    @Override
    public Optional<TransactionRecord> find(String gid) {
        try (Connection c = dataSource.getConnection()) {
            return find(c, gid);
        } catch (SQLException e) {
            throw failures.failure("find " + gid, e);
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
                throw failures.writeFailure(c, "update " + n.gid(), e);
            }
        } catch (SQLException e) {
            throw failures.failure("update " + n.gid(), e);
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
            throw failures.failure("claim due transactions", e);
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
            throw failures.failure("apply its retention", e);
        }
    }

    @Override
    public Page list(ListFilter filter, String position, int limit) {
        return listings.list(filter, position, limit);
    }

    @Override
    public Backlog backlog(long now) {
        return listings.backlog(now);
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

    static Long getLong(ResultSet rs, int i) throws SQLException {
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

    /** Drops a password from a JDBC URL so it never reaches a log. */
    static String redact(String url) {
        return StoreUris.redact(url);
    }
}
