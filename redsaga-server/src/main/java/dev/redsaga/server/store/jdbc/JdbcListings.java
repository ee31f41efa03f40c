package dev.redsaga.server.store.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.store.ListFilter;
import dev.redsaga.server.store.ListPosition;
import dev.redsaga.server.store.TransactionStore.Backlog;
import dev.redsaga.server.store.TransactionStore.Page;
import dev.redsaga.server.store.TransactionSummary;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What the JDBC store reads for operators: the listing, page by page, and the backlog of due transactions. */
final class JdbcListings {
    /** A listing's columns: no definition, no progress (they can weigh megabytes each). */
    private static final String SUMMARY_COLUMNS =
            "gid, trans_type, status, version, owner, next_due, created_at, updated_at, finished_at, reason";

    private final HikariDataSource dataSource;
    private final String table;
    private final SqlFailures failures;

    JdbcListings(HikariDataSource dataSource, String table, SqlFailures failures) {
        this.dataSource = dataSource;
        this.table = table;
        this.failures = failures;
    }

    Page list(ListFilter filter, String position, int limit) {
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
                            TransStatus.fromStored(rs.getString(3)), rs.getLong(4), rs.getString(5),
                            JdbcTransactionStore.getLong(rs, 6),
                            rs.getLong(7), rs.getLong(8), JdbcTransactionStore.getLong(rs, 9), rs.getString(10)));
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
            throw failures.failure("list transactions", e);
        }
    }

    /** One indexed count and, per unfinished status, one index seek (status, created_at). */
    Backlog backlog(long now) {
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
                        Long min = rs.next() ? JdbcTransactionStore.getLong(rs, 1) : null;
                        if (min != null) {
                            oldest.put(status, min);
                        }
                    }
                }
            }
            return new Backlog(due, oldest);
        } catch (SQLException e) {
            throw failures.failure("count its backlog", e);
        }
    }
}
