package dev.redsaga.bench;

import dev.redsaga.client.Saga;
import dev.redsaga.client.SubmitResult;
import dev.redsaga.server.http.HttpEndpoint;
import java.io.IOException;

/**
 * {@code --mode null}: sagas of {@code steps} steps whose branches a minimal responder answers SUCCESS at once —
 * the coordinator's own cost, with every branch call really made (DTM's published Redis figure called none).
 */
final class NullWorkload implements Workload {
    private static final String SUCCESS = "{\"dtm_result\":\"SUCCESS\"}";
    private final HttpEndpoint responder;
    private final Coordinator coordinator;
    private final int steps;
    private final String base;

    NullWorkload(String store, int steps, int concurrency) throws IOException {
        this.responder = HttpEndpoint.start("127.0.0.1", 0, "bench-responder", ex -> {
            ex.body().readAllBytes();
            ex.respondJson(200, SUCCESS);
        });
        this.coordinator = new Coordinator(store, concurrency);
        this.steps = steps;
        this.base = "http://127.0.0.1:" + responder.port();
    }

    @Override
    public void runOne() {
        Saga saga = coordinator.client.saga(coordinator.client.newGid());
        for (int i = 0; i < steps; i++) {
            saga.step(base + "/action" + i, base + "/compensate" + i, "{\"n\":1}");
        }
        SubmitResult r = saga.waitResult().submit();
        if (r != SubmitResult.SUCCESS) {
            throw new IllegalStateException("saga ended " + r);
        }
    }

    @Override
    public long storeRoundTrips() {
        return coordinator.store.calls();
    }

    @Override
    public void close() {
        coordinator.close();
        responder.close();
    }
}
