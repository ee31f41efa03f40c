package dev.redsaga.example.orderstock;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Checks the invariants of docs/invariants.md after a run against the real databases and the coordinator's store, saga by saga:
 * <ol>
 *   <li>every acknowledged saga is in the store, and terminal;</li>
 *   <li>succeeded: exactly one order row, status success; the stock moved by exactly -qty for this gid;</li>
 *   <li>failed: no order row, or exactly one, cancelled; the stock's net move for this gid is 0 (deducted and
 *       restored, or never touched);</li>
 *   <li>TCC: nothing this gid froze stays frozen, whatever its outcome (every try confirmed or cancelled);</li>
 *   <li>globally: available ≥ 0, frozen = 0, initial − available = Σ qty of succeeded sagas, orders at success =
 *       succeeded sagas, cancelled orders = failed sagas whose order action ran.</li>
 * </ol>
 * Every violation is listed by gid.
 */
public final class Auditor {

    /** One submitted saga: its gid, the quantity it buys, and whether the coordinator acknowledged the submit. */
    public record Submitted(String gid, int qty, boolean acknowledged) {
    }

    /** {@code lost}: acknowledged sagas missing from the store (each is also among the violations). */
    public record Report(int requests, int stockInitial, int succeeded, int failed, int pending, int lost,
            int stockAvailable, int stockFrozen, int stockSold, int ordersSuccess, int ordersCancelled,
            List<String> violations) {
    }

    private Auditor() {
    }

    public static Report audit(TransactionStore store, List<Submitted> sagas, DataSource orders, DataSource stock,
            String productId, int initial) throws SQLException {
        Map<String, List<String>> orderRows = orderRows(orders);
        Map<String, int[]> netMoves = netMoves(stock);
        int[] level = stockLevel(stock, productId);
        int available = level[0];
        int frozen = level[1];
        List<String> violations = new ArrayList<>();
        int succeeded = 0;
        int failed = 0;
        int pending = 0;
        int lost = 0;
        int soldBySagas = 0;
        int failedWithOrder = 0;
        for (Submitted s : sagas) {
            Optional<TransactionRecord> r = store.find(s.gid());
            if (r.isEmpty()) {
                if (s.acknowledged()) {
                    lost++;
                    violations.add(s.gid() + ": acknowledged but not in the coordinator's store");
                }
                continue;
            }
            TransStatus status = r.get().status();
            List<String> rows = orderRows.getOrDefault(s.gid(), List.of());
            int[] moves = netMoves.getOrDefault(s.gid(), new int[2]);
            int net = moves[0];
            if (moves[1] != 0 && status.isTerminal()) {
                violations.add(s.gid() + ": " + status.wire() + " but " + moves[1]
                        + " units it froze are still frozen");
            }
            switch (status) {
                case SUCCEEDED -> {
                    succeeded++;
                    soldBySagas += s.qty();
                    if (!rows.equals(List.of(OrderService.STATUS_SUCCESS))) {
                        violations.add(s.gid() + ": succeeded but its order rows are " + rows);
                    }
                    if (net != -s.qty()) {
                        violations.add(s.gid() + ": succeeded but its stock moved by " + net + ", not " + -s.qty());
                    }
                }
                case FAILED -> {
                    failed++;
                    if (!rows.isEmpty()) {
                        failedWithOrder++;
                    }
                    if (!rows.isEmpty() && !rows.equals(List.of(OrderService.STATUS_CANCELLED))) {
                        violations.add(s.gid() + ": failed but its order rows are " + rows);
                    }
                    if (net != 0) {
                        violations.add(s.gid() + ": failed but its stock moved by " + net + ", not 0");
                    }
                }
                default -> {
                    pending++;
                    violations.add(s.gid() + ": still " + status.wire() + " after the run");
                }
            }
        }
        int ordersSuccess = 0;
        int ordersCancelled = 0;
        for (List<String> rows : orderRows.values()) {
            for (String st : rows) {
                if (OrderService.STATUS_SUCCESS.equals(st)) {
                    ordersSuccess++;
                } else if (OrderService.STATUS_CANCELLED.equals(st)) {
                    ordersCancelled++;
                }
            }
        }
        int sold = initial - available - frozen;
        if (available < 0) {
            violations.add("stock: available is " + available + ", below zero");
        }
        if (frozen != 0) {
            violations.add("stock: " + frozen + " units still frozen after the run");
        }
        if (sold != soldBySagas) {
            violations.add("stock: " + sold + " sold but succeeded sagas bought " + soldBySagas);
        }
        if (ordersSuccess != succeeded) {
            violations.add("orders: " + ordersSuccess + " at success but " + succeeded + " sagas succeeded");
        }
        if (ordersCancelled != failedWithOrder) {
            violations.add("orders: " + ordersCancelled + " cancelled but " + failedWithOrder
                    + " failed sagas created an order");
        }
        return new Report(sagas.size(), initial, succeeded, failed, pending, lost, available, frozen, sold,
                ordersSuccess, ordersCancelled, List.copyOf(violations));
    }

    private static Map<String, List<String>> orderRows(DataSource ds) throws SQLException {
        Map<String, List<String>> out = new HashMap<>();
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT gid, status FROM orders ORDER BY id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
            }
        }
        return out;
    }

    /** Per gid: the net change of available, and of frozen. */
    private static Map<String, int[]> netMoves(DataSource ds) throws SQLException {
        Map<String, int[]> out = new HashMap<>();
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT gid, SUM(delta), SUM(frozen_delta) FROM stock_moves GROUP BY gid");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getString(1), new int[] {rs.getInt(2), rs.getInt(3)});
            }
        }
        return out;
    }

    /** The product's available and frozen units. */
    private static int[] stockLevel(DataSource ds, String productId) throws SQLException {
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT available, frozen FROM stock WHERE product_id = ?")) {
            ps.setString(1, productId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("product " + productId + " is missing from the stock table");
                }
                return new int[] {rs.getInt(1), rs.getInt(2)};
            }
        }
    }
}
