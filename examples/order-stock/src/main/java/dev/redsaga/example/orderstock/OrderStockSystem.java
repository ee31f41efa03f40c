package dev.redsaga.example.orderstock;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;

/**
 * The two example services running: the order service and the stock service, each an HTTP server on loopback
 * with a database of its own on the chosen backend — fresh ones ({@link #start}, dropped on close), or ones made
 * earlier ({@link #attach}: a service process restarted on its data).
 */
public final class OrderStockSystem implements AutoCloseable {
    public static final String PRODUCT = "sku-1";
    /** Database connections of each service in the in-process demo. */
    public static final int POOL_SIZE = 24;

    private final Backend backend;
    private final String ordersDb;
    private final String stockDb;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private HikariDataSource orders;
    private HikariDataSource stock;
    private ParticipantServer orderService;
    private ParticipantServer stockService;

    private final boolean ownsDatabases;

    private OrderStockSystem(Backend backend, String ordersDb, String stockDb, boolean ownsDatabases) {
        this.backend = backend;
        this.ordersDb = ordersDb;
        this.stockDb = stockDb;
        this.ownsDatabases = ownsDatabases;
    }


    /**
     * Starts both services on fresh databases of their own, on free ports; closing drops the databases.
     *
     * @param barrier          run branches through the sub-transaction barrier (false: plainly, to show the harm)
     * @param requestTimeoutMs the coordinator's request timeout, for the timing of injected faults
     */
    public static OrderStockSystem start(Backend backend, int initialStock, boolean barrier, Faults faults,
            long requestTimeoutMs) throws SQLException, IOException {
        // names unlikely to meet another run's
        String suffix = Long.toString(ThreadLocalRandom.current().nextLong() >>> 20, 36);
        OrderStockSystem s = new OrderStockSystem(backend, "rsdemo_orders_" + suffix, "rsdemo_stock_" + suffix, true);
        try {
            s.orders = backend.freshDatabase(s.ordersDb, POOL_SIZE);
            s.resources.add(s.orders);
            s.stock = backend.freshDatabase(s.stockDb, POOL_SIZE);
            s.resources.add(s.stock);
            createTables(backend, s.orders, s.stock, initialStock);
            s.serve(barrier, faults, requestTimeoutMs, 0, 0, POOL_SIZE);
            return s;
        } catch (SQLException | IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Starts both services on databases made earlier by {@link #createTables} (a service process restarted on its
     * data), on the given ports, each with {@code poolSize} connections; closing leaves the databases as they are.
     */
    public static OrderStockSystem attach(Backend backend, String ordersDb, String stockDb, int orderPort,
            int stockPort, int poolSize, boolean barrier, Faults faults, long requestTimeoutMs)
            throws SQLException, IOException {
        OrderStockSystem s = new OrderStockSystem(backend, ordersDb, stockDb, false);
        try {
            s.orders = backend.openDatabase(ordersDb, poolSize);
            s.resources.add(s.orders);
            s.stock = backend.openDatabase(stockDb, poolSize);
            s.resources.add(s.stock);
            s.serve(barrier, faults, requestTimeoutMs, orderPort, stockPort, poolSize);
            return s;
        } catch (SQLException | IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** The services' tables in two empty databases, with {@code initialStock} units of {@link #PRODUCT}. */
    public static void createTables(Backend backend, DataSource orders, DataSource stock, int initialStock)
            throws SQLException {
        try (Connection c = orders.getConnection()) {
            OrderService.createSchema(c, backend);
        }
        try (Connection c = stock.getConnection()) {
            StockService.createSchema(c, backend, PRODUCT, initialStock);
        }
    }

    private void serve(boolean barrier, Faults faults, long requestTimeoutMs, int orderPort, int stockPort,
            int poolSize) throws SQLException, IOException {
        // everything that touches a database first, then both listeners back to back: a service restarted under a
        // backlog of retries is flooded the moment it listens, and the other one must not start in that flood
        orderService = new ParticipantServer(orders, poolSize, runner(barrier, orders), faults, requestTimeoutMs)
                .route("/order/create", OrderService.CREATE)
                .route("/order/cancel", OrderService.CANCEL)
                .route("/order/try", OrderService.TRY)
                .route("/order/confirm", OrderService.CONFIRM);
        resources.add(orderService);
        stockService = new ParticipantServer(stock, poolSize, runner(barrier, stock), faults, requestTimeoutMs)
                .route("/stock/deduct", StockService.DEDUCT)
                .route("/stock/restore", StockService.RESTORE)
                .route("/stock/try", StockService.TRY)
                .route("/stock/confirm", StockService.CONFIRM)
                .route("/stock/cancel", StockService.CANCEL)
                .backCheck("/stock/query-prepared");
        resources.add(stockService);
        orderService.start(orderPort);
        stockService.start(stockPort);
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

    /** Branch requests the two services received. */
    public long serviceRequests() {
        return orderService.requests() + stockService.requests();
    }

    /** Answers the two services sent after the caller's deadline: work for callers who had gone. */
    public long answeredLate() {
        return orderService.answeredLate() + stockService.answeredLate();
    }

    public long faultsInjected() {
        return orderService.faultsInjected() + stockService.faultsInjected();
    }

    /** Branch requests either service received. */
    public long requests() {
        return orderService.requests() + stockService.requests();
    }

    /** Requests either service answered 503 without running them (past their deadline, or too many waiting). */
    public long shed() {
        return orderService.shed() + stockService.shed();
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
        if (ownsDatabases) {
            backend.dropDatabase(ordersDb);
            backend.dropDatabase(stockDb);
        }
    }
}
