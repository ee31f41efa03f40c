package dev.redsaga.bench;

import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.WireJson;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.config.StoreFactory;
import dev.redsaga.server.engine.DriveListener;

/**
 * An in-process coordinator on a counting store, and the load generator's way in: a {@code wait_result} submit,
 * sent as any DTM client sends it.
 */
final class Coordinator implements AutoCloseable {
    final RedsagaServer server;
    final CountingStore store;
    private final LoadClient http;
    private final String submitUrl;

    Coordinator(String storeUri, int concurrency) {
        store = new CountingStore(StoreFactory.open(storeUri));
        ServerConfig config = ServerConfig.builder().port(0).store(storeUri)
                .engine(dev.redsaga.server.engine.EngineOptions.builder()
                .maxConcurrentDrives(Math.max(4_096, concurrency * 2)).build()).build();
        server = RedsagaServer.start(config, store, true, new DriveListener() { });
        http = new LoadClient(concurrency);
        submitUrl = server.baseUrl() + "/api/dtmsvr/submit";
    }

    /** Submits the saga with {@code wait_result} and fails unless it ended SUCCESS. */
    void submitAndExpectSuccess(TransRequest saga) throws Exception {
        LoadClient.Answer a = http.post(submitUrl, WireJson.mapper().writeValueAsBytes(saga));
        if (Outcome.classify(a.status(), a.body()) != Outcome.SUCCESS) {
            throw new IllegalStateException("saga " + saga.gid() + " ended HTTP " + a.status() + " " + a.body());
        }
    }

    @Override
    public void close() {
        http.close();
        server.close();
    }
}
