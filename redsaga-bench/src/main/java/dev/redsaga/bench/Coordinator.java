package dev.redsaga.bench;

import dev.redsaga.client.RedsagaClient;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.config.StoreFactory;
import dev.redsaga.server.engine.DriveListener;
import java.time.Duration;

/** An in-process coordinator on a counting store, and a client for it. */
final class Coordinator implements AutoCloseable {
    final RedsagaServer server;
    final CountingStore store;
    final RedsagaClient client;

    Coordinator(String storeUri, int concurrency) {
        store = new CountingStore(StoreFactory.open(storeUri));
        ServerConfig defaults = ServerConfig.defaults();
        ServerConfig config = new ServerConfig("127.0.0.1", 0, storeUri, new dev.redsaga.server.engine.EngineOptions(
                3_000, 1_000, 60_000, 15_000, 200, 500, Math.max(4_096, concurrency * 2)),
                defaults.maxRequestBytes(), defaults.instanceId());
        server = RedsagaServer.start(config, store, true, new DriveListener() { });
        client = RedsagaClient.builder(server.baseUrl()).timeout(Duration.ofSeconds(30)).build();
    }

    @Override
    public void close() {
        server.close();
    }
}
