package dev.redsaga.example.orderstock;

import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code redsaga services}: the demo's order and stock services as a process of their own, on PostgreSQL or
 * MariaDB, so they can be run next to coordinators in other processes (and killed and restarted on their data, as
 * {@code redsaga chaos} does).
 */
@Command(name = "services", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the demo's order and stock services (with the barrier) as one process, on databases of a "
                + "local PostgreSQL or MariaDB server that outlive it.",
            "Saga steps: http://127.0.0.1:<order-port>/order/create|cancel and "
                + "http://127.0.0.1:<stock-port>/stock/deduct|restore, body {\"user_id\":1,\"product_id\":\""
                + OrderStockSystem.PRODUCT + "\",\"qty\":1}."})
public final class ServicesCommand implements Callable<Integer> {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");

    @Option(names = "--db", defaultValue = "postgres",
            description = "postgres or mariadb (local servers, see docs/operations.md) (default: ${DEFAULT-VALUE})")
    String db;

    @Option(names = "--orders-db", defaultValue = "rsdemo_orders",
            description = "the order service's schema (PostgreSQL) or database (MariaDB) (default: ${DEFAULT-VALUE})")
    String ordersDb;

    @Option(names = "--stock-db", defaultValue = "rsdemo_stock",
            description = "the stock service's schema or database (default: ${DEFAULT-VALUE})")
    String stockDb;

    @Option(names = "--order-port", defaultValue = "8091", description = "(default: ${DEFAULT-VALUE})")
    int orderPort;

    @Option(names = "--stock-port", defaultValue = "8092", description = "(default: ${DEFAULT-VALUE})")
    int stockPort;

    @Option(names = "--pool", defaultValue = "24", description = "database connections of each service, which "
            + "bounds its concurrent local transactions (default: ${DEFAULT-VALUE})")
    int pool;

    @Option(names = "--create", paramLabel = "STOCK", description = "create both databases afresh (dropping any of "
            + "these names), with STOCK units of the product; without it the services run on the databases as they are")
    Integer create;

    @Option(names = "--no-barrier", description = "run the branches without the sub-transaction barrier, to show "
            + "what goes wrong")
    boolean noBarrier;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Backend backend;
        try {
            backend = Backend.parse(db);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (backend == Backend.H2) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--db h2 cannot be used here: an embedded "
                    + "database lives and dies with this process; use postgres or mariadb");
        }
        for (String name : new String[] {ordersDb, stockDb}) {
            if (!NAME.matcher(name).matches()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "database name '" + name
                        + "' is invalid: use 1 to 63 of a-z 0-9 _, starting with a letter");
            }
        }
        for (int port : new int[] {orderPort, stockPort}) {
            if (port < 1 || port > 65535) {
                throw new CommandLine.ParameterException(spec.commandLine(), "port " + port
                        + " is out of range: use 1 to 65535");
            }
        }
        if (pool < 1 || pool > 1_000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--pool must be between 1 and 1000");
        }
        if (create != null && create < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--create must not be negative");
        }
        PrintWriter out = spec.commandLine().getOut();
        try {
            if (create != null) {
                try (HikariDataSource orders = backend.freshDatabase(ordersDb, 2);
                     HikariDataSource stock = backend.freshDatabase(stockDb, 2)) {
                    OrderStockSystem.createTables(backend, orders, stock, create);
                }
            }
            OrderStockSystem services = OrderStockSystem.attach(backend, ordersDb, stockDb, orderPort, stockPort,
                    pool, !noBarrier, Faults.none(), 1_000);
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                services.close();
                stopped.countDown();
            }, "services-shutdown"));
            out.printf("order service on %s, stock service on %s (%s: %s, %s)%s%n", services.orderService().url(""),
                    services.stockService().url(""), backend.name().toLowerCase(), ordersDb, stockDb,
                    noBarrier ? " WITHOUT the barrier" : "");
            out.println("services ready");
            out.flush();
            stopped.await();
            return 0;
        } catch (IllegalStateException | java.io.IOException | java.sql.SQLException e) {
            spec.commandLine().getErr().println("redsaga services: " + e.getMessage());
            return 2;
        }
    }

    /** Runs only this command (used to start the services as a separate process). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new ServicesCommand()).execute(args));
    }
}
