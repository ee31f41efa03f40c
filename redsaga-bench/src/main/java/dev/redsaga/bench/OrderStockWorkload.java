package dev.redsaga.bench;

import dev.redsaga.example.orderstock.Backend;
import dev.redsaga.example.orderstock.Faults;
import dev.redsaga.example.orderstock.OrderStockSystem;
import dev.redsaga.example.orderstock.Purchase;
import dev.redsaga.example.orderstock.StockService;
import dev.redsaga.protocol.Gids;
import dev.redsaga.protocol.SagaStep;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.WireJson;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code --mode order-stock}: purchase sagas (create order → deduct stock) through the coordinator against the
 * example services on a real database, barrier on; the stock is large enough that every purchase succeeds. The
 * purchases go round-robin over {@code products} products: one product is the flash sale (every deduction waits
 * for the one stock row's lock), many spread the rows as a shop's catalogue does.
 * {@code --mode baseline}: the same two business calls made directly by the load generator, no coordinator —
 * the cost of the business work alone. Both go through the same {@link LoadClient}.
 */
final class OrderStockWorkload implements Workload {
    static final int STOCK = 1_000_000_000;
    private final OrderStockSystem services;
    private final Coordinator coordinator;
    private final LoadClient direct;
    private final List<SagaStep> steps;
    private final AtomicLong user = new AtomicLong();
    private final String[] products;

    OrderStockWorkload(Backend db, String store, boolean throughCoordinator, int concurrency, int products)
            throws Exception {
        services = OrderStockSystem.start(db, STOCK, true, Faults.none(), 3_000);
        try {
            this.products = addProducts(services, products);
        } catch (Exception e) {
            services.close();
            throw e;
        }
        coordinator = throughCoordinator ? new Coordinator(store, concurrency) : null;
        direct = throughCoordinator ? null : new LoadClient(concurrency);
        steps = List.of(
                new SagaStep(services.orderService().url("/order/create"), services.orderService().url("/order/cancel")),
                new SagaStep(services.stockService().url("/stock/deduct"), services.stockService().url("/stock/restore")));
    }

    /**
     * The product names purchases go round-robin over: the services' own, and {@code products - 1} more, each with
     * a stock no run exhausts.
     */
    static String[] addProducts(OrderStockSystem services, int products) throws Exception {
        String[] names = new String[products];
        names[0] = OrderStockSystem.PRODUCT;
        try (Connection c = services.stockDatabase().getConnection()) {
            for (int i = 1; i < products; i++) {
                names[i] = "sku-" + (i + 1);
                StockService.addProduct(c, names[i], STOCK);
            }
        }
        return names;
    }

    @Override
    public void runOne() throws Exception {
        long u = user.incrementAndGet();
        String payload = WireJson.mapper().writeValueAsString(
                new Purchase(u, products[(int) (u % products.length)], 1));
        String gid = Gids.newGid();
        if (coordinator != null) {
            coordinator.submitAndExpectSuccess(new TransRequest(gid, TransRequest.TRANS_TYPE_SAGA, steps,
                    List.of(payload, payload), true, null, null, null, null, null, null, null));
            return;
        }
        byte[] body = payload.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        call(steps.get(0).action(), gid, "01", body);
        call(steps.get(1).action(), gid, "02", body);
    }

    private void call(String url, String gid, String branch, byte[] body) throws Exception {
        LoadClient.Answer a = direct.post(url + "?gid=" + gid + "&trans_type=saga&branch_id=" + branch + "&op=action",
                body);
        if (a.status() != 200) {
            throw new IllegalStateException(url + " answered " + a.status() + " " + a.body());
        }
    }

    @Override
    public long storeRoundTrips() {
        return coordinator == null ? 0 : coordinator.store.calls();
    }

    @Override
    public void close() {
        if (coordinator != null) {
            coordinator.close();
        }
        if (direct != null) {
            direct.close();
        }
        services.close();
    }
}
