package dev.redsaga.bench;

import dev.redsaga.protocol.SagaStep;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.config.StoreFactory;
import dev.redsaga.server.engine.DefinitionCodec;
import dev.redsaga.server.engine.DriveListener;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.engine.ProgressCodec;
import dev.redsaga.server.engine.SagaDefinition;
import dev.redsaga.server.engine.SagaProgress;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code --mode recovery}: {@code count} unfinished sagas are left in the store as a crashed coordinator leaves
 * them (submitted, held by a dead owner, lease expired); a coordinator starts on the store, and the time until
 * every one of them is finished is measured. Their branches are real calls to a minimal responder.
 */
final class RecoveryBench {
    private RecoveryBench() {
    }

    /** @return seconds until all {@code count} sagas finished, or -1 if they did not within {@code limitSeconds} */
    static double run(String storeUri, int count, long limitSeconds, PrintWriter progress)
            throws InterruptedException {
        try (SuccessResponder responder = new SuccessResponder()) {
            String base = responder.baseUrl();
            long past = System.currentTimeMillis() - 60_000;
            try (TransactionStore store = StoreFactory.open(storeUri)) {
                for (int i = 0; i < count; i++) {
                    String gid = "recover-" + i + "-" + dev.redsaga.protocol.Gids.newGid();
                    TransRequest req = new TransRequest(gid, "saga", List.of(
                            new SagaStep(base + "/a", base + "/a-undo"), new SagaStep(base + "/b", base + "/b-undo")),
                            List.of("{}", "{}"), null, null, null, null, null, null, null, null);
                    store.insertIfAbsent(new TransactionRecord(gid, "saga", TransStatus.SUBMITTED,
                            DefinitionCodec.encode(SagaDefinition.parse(req, EngineOptions.defaults())),
                            ProgressCodec.encode(SagaProgress.initial(2)), 1,
                            "crashed-instance", past, past, past, null, null));
                }
            }
            progress.printf("  %d unfinished sagas left in %s; starting a coordinator%n", count, storeUri);
            progress.flush();
            CountDownLatch finished = new CountDownLatch(count);
            long start = System.nanoTime();
            ServerConfig config = ServerConfig.builder().port(0).store(storeUri).build();
            try (RedsagaServer server = RedsagaServer.start(config, StoreFactory.open(storeUri), true,
                    new DriveListener() {
                        @Override
                        public void driveEnded(String gid, TransStatus status, DriveEnd end) {
                            if (end == DriveEnd.FINISHED && status.isTerminal() && gid.startsWith("recover-")) {
                                finished.countDown();
                            }
                        }
                    })) {
                boolean all = finished.await(limitSeconds, TimeUnit.SECONDS);
                return all ? (System.nanoTime() - start) / 1e9 : -1;
            }
        }
    }
}
