package dev.redsaga.server.store.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.redsaga.server.store.KvEntry;
import dev.redsaga.server.store.TransactionStore.KvPage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The key-value pairs of the JDBC store: one row each, in a table next to the transactions'. */
final class JdbcKv {
    private static final String COLUMNS = "cat, k, v, version, created_at, updated_at";

    private final HikariDataSource dataSource;
    private final SqlFailures failures;
    private final String insertSql;
    private final String findSql;
    private final String updateSql;
    private final String deleteSql;
    private final String scanSql;

    JdbcKv(HikariDataSource dataSource, String table, SqlFailures failures) {
        this.dataSource = dataSource;
        this.failures = failures;
        this.insertSql = "INSERT INTO " + table + " (" + COLUMNS + ") VALUES (?,?,?,?,?,?)";
        this.findSql = "SELECT " + COLUMNS + " FROM " + table + " WHERE cat = ? AND k = ?";
        this.updateSql = "UPDATE " + table + " SET v = ?, version = ?, updated_at = ? WHERE cat = ? AND k = ? "
                + "AND version = ?";
        this.deleteSql = "DELETE FROM " + table + " WHERE cat = ? AND k = ?";
        this.scanSql = "SELECT " + COLUMNS + " FROM " + table + " WHERE cat = ? AND k > ? ORDER BY k LIMIT ?";
    }

    Optional<KvEntry> find(String cat, String key) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(findSql)) {
            ps.setString(1, cat);
            ps.setString(2, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failures.failure("find " + cat + " " + key, e);
        }
    }

    boolean put(KvEntry next) {
        try (Connection c = dataSource.getConnection()) {
            if (next.version() == 1) {
                try (PreparedStatement ps = c.prepareStatement(insertSql)) {
                    ps.setString(1, next.cat());
                    ps.setString(2, next.key());
                    ps.setString(3, next.value());
                    ps.setLong(4, 1);
                    ps.setLong(5, next.createdAt());
                    ps.setLong(6, next.updatedAt());
                    return ps.executeUpdate() == 1;
                } catch (SQLException e) {
                    if (SqlFailures.isDuplicateKey(e)) {
                        return false;
                    }
                    throw failures.writeFailure(c, "insert " + next.cat() + " " + next.key(), e);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(updateSql)) {
                ps.setString(1, next.value());
                ps.setLong(2, next.version());
                ps.setLong(3, next.updatedAt());
                ps.setString(4, next.cat());
                ps.setString(5, next.key());
                ps.setLong(6, next.version() - 1);
                return ps.executeUpdate() == 1;
            } catch (SQLException e) {
                throw failures.writeFailure(c, "update " + next.cat() + " " + next.key(), e);
            }
        } catch (SQLException e) {
            throw failures.failure("write " + next.cat() + " " + next.key(), e);
        }
    }

    boolean delete(String cat, String key) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(deleteSql)) {
                ps.setString(1, cat);
                ps.setString(2, key);
                return ps.executeUpdate() == 1;
            } catch (SQLException e) {
                throw failures.writeFailure(c, "delete " + cat + " " + key, e);
            }
        } catch (SQLException e) {
            throw failures.failure("delete " + cat + " " + key, e);
        }
    }

    KvPage scan(String cat, String after, int limit) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(scanSql)) {
            ps.setString(1, cat);
            ps.setString(2, after);
            ps.setInt(3, limit + 1); // one more: whether another page follows
            List<KvEntry> page = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    page.add(read(rs));
                }
            }
            if (page.size() <= limit) {
                return new KvPage(page, "");
            }
            List<KvEntry> first = page.subList(0, limit);
            return new KvPage(first, first.getLast().key());
        } catch (SQLException e) {
            throw failures.failure("scan " + cat, e);
        }
    }

    private static KvEntry read(ResultSet rs) throws SQLException {
        return new KvEntry(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5),
                rs.getLong(6));
    }
}
