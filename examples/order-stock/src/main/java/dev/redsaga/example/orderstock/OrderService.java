package dev.redsaga.example.orderstock;

import dev.redsaga.protocol.Outcome;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The order service: creating an order inserts a row keyed by the saga's gid; cancelling it marks exactly that
 * row cancelled. (The seed's DTM example had no gid column and cancelled "the newest order of this user and
 * product": under load every compensation hit the same row.)
 */
public final class OrderService {
    public static final String STATUS_SUCCESS = "success";
    public static final String STATUS_CANCELLED = "cancelled";
    /** A TCC try's order: neither confirmed nor cancelled yet. */
    public static final String STATUS_PENDING = "pending";

    private OrderService() {
    }

    /** No unique gid: without the barrier a duplicate create shows up as a second row, for the auditor to see. */
    public static void createSchema(Connection c, Backend backend) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (" + backend.idColumn() + ", gid VARCHAR(128) NOT NULL, "
                    + "user_id BIGINT NOT NULL, product_id VARCHAR(64) NOT NULL, qty INT NOT NULL, "
                    + "status VARCHAR(16) NOT NULL)");
            s.execute("CREATE INDEX orders_gid ON orders (gid)");
        }
    }

    public static final Business CREATE = (tx, call) -> insert(tx, call, STATUS_SUCCESS);

    /** TCC try: the order row, pending until its confirm or cancel. */
    public static final Business TRY = (tx, call) -> insert(tx, call, STATUS_PENDING);

    /** TCC confirm: the pending order succeeds. */
    public static final Business CONFIRM = (tx, call) -> {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE orders SET status = ? WHERE gid = ?")) {
            ps.setString(1, STATUS_SUCCESS);
            ps.setString(2, call.gid());
            ps.executeUpdate();
        }
        return Outcome.SUCCESS;
    };

    /** A saga's compensation and a TCC cancel alike: the gid's order is cancelled. */
    public static final Business CANCEL = (tx, call) -> {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE orders SET status = ? WHERE gid = ?")) {
            ps.setString(1, STATUS_CANCELLED);
            ps.setString(2, call.gid());
            ps.executeUpdate();
        }
        return Outcome.SUCCESS;
    };

    private static Outcome insert(Connection tx, Business.BranchCall call, String status) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "INSERT INTO orders (gid, user_id, product_id, qty, status) VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, call.gid());
            ps.setLong(2, call.purchase().userId());
            ps.setString(3, call.purchase().productId());
            ps.setInt(4, call.purchase().qty());
            ps.setString(5, status);
            ps.executeUpdate();
        }
        return Outcome.SUCCESS;
    }
}
