package dev.redsaga.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redsaga.protocol.WireJson;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.EngineOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;

/**
 * A coordinator for the tests of one transaction type: an in-memory store (or the one given), a 100 ms recovery poll
 * (timeout tests wait for recovery to find an expired prepared transaction), a 200 ms retry interval, scripted
 * branches, and the raw API to send requests as DTM's clients do.
 */
public final class TestCoordinator implements AutoCloseable {
    private final RedsagaServer server;
    private final ScriptedBranches branches;
    private final RawApi api;

    private TestCoordinator(RedsagaServer server, ScriptedBranches branches) {
        this.server = server;
        this.branches = branches;
        this.api = new RawApi(server.baseUrl());
    }

    /** @param name a word for the store's name and the logs */
    public static TestCoordinator start(String name) throws IOException {
        return start(name, "h2:mem:" + name + "-" + UUID.randomUUID());
    }

    /** A coordinator on the store {@code store} (a store URI, see StoreFactory). */
    public static TestCoordinator start(String name, String store) throws IOException {
        RedsagaServer server = RedsagaServer.start(ServerConfig.builder().port(0)
                .store(store).engine(EngineOptions.builder()
                .defaultRetryIntervalMs(200).retryCapMs(2_000).claimBatch(100).pollIntervalMs(100)
                .maxConcurrentDrives(64).build()).maxRequestBytes(1 << 20)
                .instanceId("it-" + name + "-" + UUID.randomUUID()).build());
        try {
            return new TestCoordinator(server, new ScriptedBranches());
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    public RedsagaServer server() {
        return server;
    }

    public ScriptedBranches branches() {
        return branches;
    }

    public RawApi api() {
        return api;
    }

    /** {@code query} of {@code gid}, as JSON. */
    public JsonNode query(String gid) {
        try {
            return WireJson.mapper().readTree(api.get("query?gid=" + gid).body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The transaction's status as the wire spells it, or null when the coordinator has no such gid. */
    public String status(String gid) {
        JsonNode t = query(gid).get("transaction");
        return t.isNull() ? null : t.get("status").asText();
    }

    @Override
    public void close() {
        branches.close();
        server.close();
    }
}
