package dev.redsaga.server.store.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.redsaga.server.store.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;

/** What a SQL error means for the caller: nothing written, or the outcome unknown (and the connection evicted). */
final class SqlFailures {
    private final HikariDataSource dataSource;
    private final String description;

    SqlFailures(HikariDataSource dataSource, String description) {
        this.dataSource = dataSource;
        this.description = description;
    }

    /** Whether the statement broke a unique key (an insert of a key that exists). */
    static boolean isDuplicateKey(SQLException e) {
        // 23505: unique violation (PostgreSQL, H2); MariaDB reports 23000 with error 1062 (ER_DUP_ENTRY)
        return "23505".equals(e.getSQLState()) || ("23000".equals(e.getSQLState()) && e.getErrorCode() == 1062);
    }

    /** A failure before anything was sent, or of a read: nothing was written. */
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
}
