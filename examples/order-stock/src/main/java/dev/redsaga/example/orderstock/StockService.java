package dev.redsaga.example.orderstock;

import dev.redsaga.protocol.Outcome;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The stock service: deducting is {@code available = available - n WHERE available >= n}, FAILURE when short;
 * restoring adds it back. As TCC branches: the try moves n from available to {@code frozen} (FAILURE when short),
 * the confirm takes them out of frozen (sold), the cancel moves them back. Every change is also written to
 * {@code stock_moves} (gid, delta of available, delta of frozen) in the same local transaction, so the auditor can
 * check each transaction's net effect, not just the totals.
 */
public final class StockService {
    private StockService() {
    }

    public static void createSchema(Connection c, Backend backend, String productId, int initial) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE stock (product_id VARCHAR(64) PRIMARY KEY, available INT NOT NULL, "
                    + "frozen INT NOT NULL DEFAULT 0)");
            s.execute("CREATE TABLE stock_moves (" + backend.idColumn() + ", gid VARCHAR(128) NOT NULL, "
                    + "delta INT NOT NULL, frozen_delta INT NOT NULL DEFAULT 0)");
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

    /** TCC try: reserve n units (available → frozen), FAILURE when fewer are available. */
    public static final Business TRY = (tx, call) -> {
        int n = call.purchase().qty();
        try (PreparedStatement ps = tx.prepareStatement("UPDATE stock SET available = available - ?, "
                + "frozen = frozen + ? WHERE product_id = ? AND available >= ?")) {
            ps.setInt(1, n);
            ps.setInt(2, n);
            ps.setString(3, call.purchase().productId());
            ps.setInt(4, n);
            if (ps.executeUpdate() == 0) {
                return Outcome.FAILURE;
            }
        }
        move(tx, call.gid(), -n, n);
        return Outcome.SUCCESS;
    };

    /** TCC confirm: the reserved units are sold (out of frozen). */
    public static final Business CONFIRM = (tx, call) -> {
        int n = call.purchase().qty();
        try (PreparedStatement ps = tx.prepareStatement(
                "UPDATE stock SET frozen = frozen - ? WHERE product_id = ?")) {
            ps.setInt(1, n);
            ps.setString(2, call.purchase().productId());
            ps.executeUpdate();
        }
        move(tx, call.gid(), 0, -n);
        return Outcome.SUCCESS;
    };

    /** TCC cancel: the reserved units go back (frozen → available). */
    public static final Business CANCEL = (tx, call) -> {
        int n = call.purchase().qty();
        try (PreparedStatement ps = tx.prepareStatement("UPDATE stock SET available = available + ?, "
                + "frozen = frozen - ? WHERE product_id = ?")) {
            ps.setInt(1, n);
            ps.setInt(2, n);
            ps.setString(3, call.purchase().productId());
            ps.executeUpdate();
        }
        move(tx, call.gid(), n, -n);
        return Outcome.SUCCESS;
    };

    private static void move(Connection tx, String gid, int delta) throws SQLException {
        move(tx, gid, delta, 0);
    }

    private static void move(Connection tx, String gid, int delta, int frozenDelta) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "INSERT INTO stock_moves (gid, delta, frozen_delta) VALUES (?, ?, ?)")) {
            ps.setString(1, gid);
            ps.setInt(2, delta);
            ps.setInt(3, frozenDelta);
            ps.executeUpdate();
        }
    }
}
