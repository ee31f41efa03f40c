package dev.redsaga.bench.micro;

import dev.redsaga.protocol.SagaStep;
import dev.redsaga.protocol.TransRequest;
import java.util.List;

/** The one saga the micro-benchmarks work on: the two-step purchase, as a client submits it. */
final class Fixtures {
    static final String PURCHASE = "{\"user_id\":1,\"product_id\":\"p1\",\"qty\":1}";
    static final TransRequest SUBMIT = new TransRequest("bench-gid-0001", "saga", List.of(
            new SagaStep("http://127.0.0.1:8081/order/create", "http://127.0.0.1:8081/order/cancel"),
            new SagaStep("http://127.0.0.1:8082/stock/deduct", "http://127.0.0.1:8082/stock/restore")),
            List.of(PURCHASE, PURCHASE), true, null, null, null, null, null, null, null);

    private Fixtures() {
    }
}
