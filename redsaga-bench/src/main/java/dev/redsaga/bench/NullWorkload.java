package dev.redsaga.bench;

import dev.redsaga.protocol.Gids;
import dev.redsaga.protocol.SagaStep;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.server.http.HttpEndpoint;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code --mode null}: sagas of {@code steps} steps whose branches a minimal responder answers SUCCESS at once —
 * the coordinator's own cost, with every branch call really made (DTM's published Redis figure called none).
 */
final class NullWorkload implements Workload {
    private static final String SUCCESS = "{\"dtm_result\":\"SUCCESS\"}";
    private final HttpEndpoint responder;
    private final Coordinator coordinator;
    private final List<SagaStep> steps = new ArrayList<>();
    private final List<String> payloads;

    NullWorkload(String store, int steps, int concurrency) throws IOException {
        this.responder = HttpEndpoint.start("127.0.0.1", 0, "bench-responder", ex -> {
            ex.body().readAllBytes();
            ex.respondJson(200, SUCCESS);
        });
        this.coordinator = new Coordinator(store, concurrency);
        String base = "http://127.0.0.1:" + responder.port();
        for (int i = 0; i < steps; i++) {
            this.steps.add(new SagaStep(base + "/action" + i, base + "/compensate" + i));
        }
        this.payloads = Collections.nCopies(steps, "{\"n\":1}");
    }

    @Override
    public void runOne() throws Exception {
        coordinator.submitAndExpectSuccess(new TransRequest(Gids.newGid(), TransRequest.TRANS_TYPE_SAGA, steps,
                payloads, true, null, null, null, null, null, null, null));
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
