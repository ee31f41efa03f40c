package dev.redsaga.example.orderstock;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The two example services running: the order service and the stock service, each an HTTP server on loopback
 * with a fresh database of its own on the chosen backend. Closing stops them and drops the databases.
 */
public final class OrderStockSystem implements AutoCloseable {
    public static final String PRODUCT = "sku-1";

    private final Backend backend;
    private final String ordersDb;
    private final String stockDb;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private HikariDataSource orders;
    private HikariDataSource stock;
    private ParticipantServer orderService;
    private ParticipantServer stockService;

    private OrderStockSystem(Backend backend) {
        this.backend = backend;
        String suffix = Long.toString(ThreadLocalRandom.current().nextLong() >>> 20, 36);
        this.ordersDb = "rsdemo_orders_" + suffix;
        this.stockDb = "rsdemo_stock_" + suffix;
    }

    /**
     * @param barrier          run branches through the sub-transaction barrier (false: plainly, to show the harm)
     * @param requestTimeoutMs the coordinator's request timeout, for the timing of injected faults
     */
    public static OrderStockSystem start(Backend backend, int initialStock, boolean barrier, Faults faults,
            long requestTimeoutMs) throws SQLException, IOException {
        OrderStockSystem s = new OrderStockSystem(backend);
        try {
            s.orders = backend.freshDatabase(s.ordersDb, 24);
            s.resources.add(s.orders);
            s.stock = backend.freshDatabase(s.stockDb, 24);
            s.resources.add(s.stock);
            try (Connection c = s.orders.getConnection()) {
                OrderService.createSchema(c, backend);
            }
            try (Connection c = s.stock.getConnection()) {
                StockService.createSchema(c, backend, PRODUCT, initialStock);
            }
            s.orderService = new ParticipantServer(s.orders, runner(barrier, s.orders), faults, requestTimeoutMs)
                    .route("/order/create", OrderService.CREATE)
                    .route("/order/cancel", OrderService.CANCEL)
                    .start();
            s.resources.add(s.orderService);
            s.stockService = new ParticipantServer(s.stock, runner(barrier, s.stock), faults, requestTimeoutMs)
                    .route("/stock/deduct", StockService.DEDUCT)
                    .route("/stock/restore", StockService.RESTORE)
                    .start();
            s.resources.add(s.stockService);
            return s;
        } catch (SQLException | IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private static TransactionRunner runner(boolean barrier, HikariDataSource db) throws SQLException {
        return barrier ? TransactionRunner.withBarrier(db) : TransactionRunner.plain();
    }

    public HikariDataSource ordersDatabase() {
        return orders;
    }

    public HikariDataSource stockDatabase() {
        return stock;
    }

    public ParticipantServer orderService() {
        return orderService;
    }

    public ParticipantServer stockService() {
        return stockService;
    }

    /** Hanging requests of either service not yet executed. */
    public long lateInFlight() {
        return orderService.lateInFlight() + stockService.lateInFlight();
    }

    public long faultsInjected() {
        return orderService.faultsInjected() + stockService.faultsInjected();
    }

    @Override
    public void close() {
        List<AutoCloseable> reversed = new ArrayList<>(resources);
        Collections.reverse(reversed);
        for (AutoCloseable c : reversed) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort; the databases are dropped next
            }
        }
        backend.dropDatabase(ordersDb);
        backend.dropDatabase(stockDb);
    }
}
