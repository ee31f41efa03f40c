package dev.redsaga.bench;

import dev.redsaga.client.SubmitResult;
import dev.redsaga.example.orderstock.Backend;
import dev.redsaga.example.orderstock.Faults;
import dev.redsaga.example.orderstock.OrderStockSystem;
import dev.redsaga.example.orderstock.Purchase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code --mode order-stock}: purchase sagas (create order → deduct stock) through the coordinator against the
 * example services on a real database, barrier on; the stock is large enough that every purchase succeeds.
 * {@code --mode baseline}: the same two business calls made directly by the load generator, no coordinator —
 * the cost of the business work alone.
 */
final class OrderStockWorkload implements Workload {
    private static final int STOCK = 1_000_000_000;
    private final OrderStockSystem services;
    private final Coordinator coordinator;
    private final HttpClient http;
    private final AtomicLong user = new AtomicLong();

    OrderStockWorkload(Backend db, String store, boolean throughCoordinator, int concurrency) throws Exception {
        services = OrderStockSystem.start(db, STOCK, true, Faults.none(), 3_000);
        coordinator = throughCoordinator ? new Coordinator(store, concurrency) : null;
        http = throughCoordinator ? null : HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @Override
    public void runOne() throws Exception {
        Purchase p = new Purchase(user.incrementAndGet(), OrderStockSystem.PRODUCT, 1);
        if (coordinator != null) {
            SubmitResult r = coordinator.client.saga(coordinator.client.newGid())
                    .step(services.orderService().url("/order/create"), services.orderService().url("/order/cancel"), p)
                    .step(services.stockService().url("/stock/deduct"), services.stockService().url("/stock/restore"), p)
                    .waitResult().submit();
            if (r != SubmitResult.SUCCESS) {
                throw new IllegalStateException("purchase saga ended " + r);
            }
            return;
        }
        String gid = dev.redsaga.protocol.Gids.newGid();
        String body = "{\"user_id\":" + p.userId() + ",\"product_id\":\"" + p.productId() + "\",\"qty\":1}";
        call(services.orderService().url("/order/create"), gid, "01", body);
        call(services.stockService().url("/stock/deduct"), gid, "02", body);
    }

    private void call(String url, String gid, String branch, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "?gid=" + gid
                        + "&trans_type=saga&branch_id=" + branch + "&op=action"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + r.statusCode() + " " + r.body());
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
        services.close();
    }
}
