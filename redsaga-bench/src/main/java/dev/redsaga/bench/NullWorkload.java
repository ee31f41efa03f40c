package dev.redsaga.bench;

import dev.redsaga.protocol.Gids;
import dev.redsaga.protocol.SagaStep;
import dev.redsaga.protocol.TransRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code --mode null}: sagas of {@code steps} steps whose branches a minimal responder answers SUCCESS at once —
 * the coordinator's own cost, with every branch call really made (DTM's published Redis figure called none).
 */
final class NullWorkload implements Workload {
    private final SuccessResponder responder;
    private final Coordinator coordinator;
    private final List<SagaStep> steps = new ArrayList<>();
    private final List<String> payloads;

    NullWorkload(String store, int steps, int concurrency) {
        this.responder = new SuccessResponder();
        this.coordinator = new Coordinator(store, concurrency);
        String base = responder.baseUrl();
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
