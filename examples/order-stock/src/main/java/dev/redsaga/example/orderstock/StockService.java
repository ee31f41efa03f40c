package dev.redsaga.example.orderstock;

import dev.redsaga.protocol.Outcome;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The stock service: deducting is {@code available = available - n WHERE available >= n}, FAILURE when short;
 * restoring adds it back. Every change is also written to {@code stock_moves} (gid, delta) in the same local
 * transaction, so the auditor can check each saga's net effect, not just the total.
 */
public final class StockService {
    private StockService() {
    }

    public static void createSchema(Connection c, Backend backend, String productId, int initial) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE stock (product_id VARCHAR(64) PRIMARY KEY, available INT NOT NULL)");
            s.execute("CREATE TABLE stock_moves (" + backend.idColumn() + ", gid VARCHAR(128) NOT NULL, "
                    + "delta INT NOT NULL)");
            s.execute("CREATE INDEX stock_moves_gid ON stock_moves (gid)");
        }
        addProduct(c, productId, initial);
    }

    /** Puts a product on sale with {@code initial} units in stock. */
    public static void addProduct(Connection c, String productId, int initial) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO stock (product_id, available) VALUES (?, ?)")) {
            ps.setString(1, productId);
            ps.setInt(2, initial);
            ps.executeUpdate();
        }
    }

    public static final Business DEDUCT = (tx, call) -> {
        int n = call.purchase().qty();
        try (PreparedStatement ps = tx.prepareStatement(
                "UPDATE stock SET available = available - ? WHERE product_id = ? AND available >= ?")) {
            ps.setInt(1, n);
            ps.setString(2, call.purchase().productId());
            ps.setInt(3, n);
            if (ps.executeUpdate() == 0) {
                return Outcome.FAILURE;
            }
        }
        move(tx, call.gid(), -n);
        return Outcome.SUCCESS;
    };

    public static final Business RESTORE = (tx, call) -> {
        int n = call.purchase().qty();
        try (PreparedStatement ps = tx.prepareStatement(
                "UPDATE stock SET available = available + ? WHERE product_id = ?")) {
            ps.setInt(1, n);
            ps.setString(2, call.purchase().productId());
            ps.executeUpdate();
        }
        move(tx, call.gid(), n);
        return Outcome.SUCCESS;
    };

    private static void move(Connection tx, String gid, int delta) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("INSERT INTO stock_moves (gid, delta) VALUES (?, ?)")) {
            ps.setString(1, gid);
            ps.setInt(2, delta);
            ps.executeUpdate();
        }
    }
}
