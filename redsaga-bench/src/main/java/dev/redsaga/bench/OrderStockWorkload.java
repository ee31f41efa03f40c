package dev.redsaga.bench;

import dev.redsaga.example.orderstock.Backend;
import dev.redsaga.example.orderstock.Faults;
import dev.redsaga.example.orderstock.OrderStockSystem;
import dev.redsaga.example.orderstock.Purchase;
import dev.redsaga.protocol.Gids;
import dev.redsaga.protocol.SagaStep;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.WireJson;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code --mode order-stock}: purchase sagas (create order → deduct stock) through the coordinator against the
 * example services on a real database, barrier on; the stock is large enough that every purchase succeeds.
 * {@code --mode baseline}: the same two business calls made directly by the load generator, no coordinator —
 * the cost of the business work alone. Both go through the same {@link LoadClient}.
 */
final class OrderStockWorkload implements Workload {
    private static final int STOCK = 1_000_000_000;
    private final OrderStockSystem services;
    private final Coordinator coordinator;
    private final LoadClient direct;
    private final List<SagaStep> steps;
    private final AtomicLong user = new AtomicLong();

    OrderStockWorkload(Backend db, String store, boolean throughCoordinator, int concurrency) throws Exception {
        services = OrderStockSystem.start(db, STOCK, true, Faults.none(), 3_000);
        coordinator = throughCoordinator ? new Coordinator(store, concurrency) : null;
        direct = throughCoordinator ? null : new LoadClient(concurrency);
        steps = List.of(
                new SagaStep(services.orderService().url("/order/create"), services.orderService().url("/order/cancel")),
                new SagaStep(services.stockService().url("/stock/deduct"), services.stockService().url("/stock/restore")));
    }

    @Override
    public void runOne() throws Exception {
        String payload = WireJson.mapper().writeValueAsString(
                new Purchase(user.incrementAndGet(), OrderStockSystem.PRODUCT, 1));
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
