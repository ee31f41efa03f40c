package dev.redsaga.chaos;

import com.zaxxer.hikari.HikariDataSource;
import dev.redsaga.example.orderstock.Backend;
import dev.redsaga.example.orderstock.OrderStockSystem;
import dev.redsaga.example.orderstock.ServicesCommand;
import dev.redsaga.server.cli.ServerCommand;
import dev.redsaga.server.config.StoreFactory;
import dev.redsaga.server.store.TransactionStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Everything one chaos scenario runs on, each a real process on 127.0.0.1: the coordinators' store (redis-server
 * with AOF and {@code appendfsync always} on a spare port, or a fresh schema of the local PostgreSQL), the
 * order and stock services (one process, databases on the local PostgreSQL or MariaDB), a fault proxy in front of
 * each service, and three coordinators sharing the store. Closing kills the processes and drops what was created.
 */
final class Cluster implements AutoCloseable {
    static final int COORDINATORS = 3;
    /**
     * Database connections of each process: three coordinators, two services and this process's audit stay well
     * inside PostgreSQL's default 100, also while a killed process's connections are being reaped.
     */
    private static final int POOL = 6;

    /** Where the coordinators keep their transactions. */
    enum StoreKind {
        POSTGRES, REDIS;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        static StoreKind parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "postgres", "postgresql", "pg" -> POSTGRES;
                case "redis" -> REDIS;
                default -> throw new IllegalArgumentException("unknown store '" + s + "': use postgres or redis");
            };
        }
    }

    /** How the coordinators are tuned for a run that must settle quickly after its faults. */
    record Timing(long requestTimeoutMs, long retryIntervalMs, long retryCapMs, long leaseMs) {
    }

    private final StoreKind storeKind;
    private final Backend backend;
    private final Path dir;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<Node> coordinators = new ArrayList<>();
    private final String suffix = Long.toString(System.nanoTime() & 0xffffffffL, 36);
    private final String ordersDb = "rschaos_orders_" + suffix;
    private final String stockDb = "rschaos_stock_" + suffix;
    private final String storeSchema = "rschaos_store_" + suffix;
    private String storeUri;
    private Node redis;
    private Node services;
    private FaultProxy orderProxy;
    private FaultProxy stockProxy;
    private HikariDataSource orders;
    private HikariDataSource stock;
    private TransactionStore store;

    private Cluster(StoreKind storeKind, Backend backend, Path dir) {
        this.storeKind = storeKind;
        this.backend = backend;
        this.dir = dir;
    }

    /**
     * Starts it all and returns when every process listens.
     *
     * @param barrier false runs the services without the barrier (to show that the suite sees the harm)
     */
    static Cluster start(StoreKind storeKind, Backend backend, Path dir, int initialStock, boolean barrier,
            Timing timing, long seed) throws Exception {
        Cluster c = new Cluster(storeKind, backend, dir);
        try {
            c.startStore();
            c.startServices(initialStock, barrier, seed);
            for (int i = 0; i < COORDINATORS; i++) {
                int port = Node.freePort();
                Node n = Node.java("coordinator-" + i, ServerCommand.class.getName(), List.of(
                        "--port", Integer.toString(port), "--store", c.storeUri,
                        "--request-timeout", timing.requestTimeoutMs() + "ms",
                        "--retry-interval", timing.retryIntervalMs() + "ms",
                        "--retry-cap", timing.retryCapMs() + "ms",
                        "--lease", timing.leaseMs() + "ms",
                        "--store-pool", Integer.toString(POOL),
                        "--instance-id", "chaos-" + i), List.of(port), dir.resolve("coordinator-" + i + ".log"));
                c.resources.add(n);
                c.coordinators.add(n);
            }
            for (Node n : c.coordinators) {
                n.start();
            }
            return c;
        } catch (Exception e) {
            c.close();
            throw e;
        }
    }

    private void startStore() throws Exception {
        if (storeKind == StoreKind.REDIS) {
            int port = Node.freePort();
            Path data = Files.createDirectories(dir.resolve("redis"));
            redis = Node.program("redis", List.of("redis-server", "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                    "--dir", data.toString()), List.of(port), dir.resolve("redis.log"));
            resources.add(redis);
            try {
                redis.start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot start redis-server (" + e.getMessage() + "): the chaos "
                        + "suite runs its own; install Redis (Debian: apt-get install redis-server)", e);
            }
            storeUri = "redis://127.0.0.1:" + port;
        } else {
            try (Connection c = DriverManager.getConnection(Backend.POSTGRES_URL); Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA " + storeSchema);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot create the store's schema on " + Backend.POSTGRES_URL + ": "
                        + e.getMessage() + " — is PostgreSQL running? (see docs/operations.md)", e);
            }
            resources.add(() -> dropStoreSchema());
            storeUri = Backend.POSTGRES_URL + "&currentSchema=" + storeSchema;
        }
    }

    private void dropStoreSchema() throws SQLException {
        try (Connection c = DriverManager.getConnection(Backend.POSTGRES_URL); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + storeSchema + " CASCADE");
        }
    }

    private void startServices(int initialStock, boolean barrier, long seed) throws Exception {
        orders = backend.freshDatabase(ordersDb, 2);
        resources.add(() -> backend.dropDatabase(ordersDb));
        resources.add(orders);
        stock = backend.freshDatabase(stockDb, 2);
        resources.add(() -> backend.dropDatabase(stockDb));
        resources.add(stock);
        OrderStockSystem.createTables(backend, orders, stock, initialStock);
        int orderPort = Node.freePort();
        int stockPort = Node.freePort();
        List<String> args = new ArrayList<>(List.of("--db", backend.name().toLowerCase(Locale.ROOT),
                "--orders-db", ordersDb, "--stock-db", stockDb,
                "--order-port", Integer.toString(orderPort), "--stock-port", Integer.toString(stockPort),
                "--pool", Integer.toString(POOL)));
        if (!barrier) {
            args.add("--no-barrier");
        }
        services = Node.java("services", ServicesCommand.class.getName(), args, List.of(orderPort, stockPort),
                dir.resolve("services.log"));
        resources.add(services);
        services.start();
        orderProxy = new FaultProxy(Node.freePort(), orderPort, seed);
        resources.add(orderProxy);
        stockProxy = new FaultProxy(Node.freePort(), stockPort, seed + 1);
        resources.add(stockProxy);
    }

    StoreKind storeKind() {
        return storeKind;
    }

    List<Node> coordinators() {
        return Collections.unmodifiableList(coordinators);
    }

    List<String> coordinatorUrls() {
        return coordinators.stream().map(n -> "http://127.0.0.1:" + n.ports().getFirst()).toList();
    }

    /** The redis-server of the store, or null when the store is PostgreSQL. */
    Node redis() {
        return redis;
    }

    Node services() {
        return services;
    }

    List<FaultProxy> proxies() {
        return List.of(orderProxy, stockProxy);
    }

    /** A step URL on the order service, through its fault proxy. */
    String orderUrl(String path) {
        return "http://127.0.0.1:" + orderProxy.port() + path;
    }

    String stockUrl(String path) {
        return "http://127.0.0.1:" + stockProxy.port() + path;
    }

    HikariDataSource ordersDatabase() {
        return orders;
    }

    HikariDataSource stockDatabase() {
        return stock;
    }

    /** The coordinators' store, opened by this process for the audit (once healed: no reconnect noise before). */
    synchronized TransactionStore store() {
        if (store == null) {
            store = StoreFactory.open(storeUri, 2);
            resources.add(store);
        }
        return store;
    }

    /** Every process up, nothing paused, no network fault: what "the faults stop" means. */
    void heal() throws Exception {
        for (FaultProxy p : proxies()) {
            p.faults(FaultProxy.Faults.NONE);
        }
        List<Node> all = new ArrayList<>();
        if (redis != null) {
            all.add(redis);
        }
        all.add(services);
        all.addAll(coordinators);
        for (Node n : all) {
            n.resume();
            n.ensureStarted();
        }
    }

    @Override
    public void close() {
        List<AutoCloseable> reversed = new ArrayList<>(resources);
        Collections.reverse(reversed);
        for (AutoCloseable r : reversed) {
            try {
                r.close();
            } catch (Exception e) {
                // best effort: the rest is closed all the same
            }
        }
    }
}
