package dev.redsaga.server.config;

import dev.redsaga.server.engine.EngineOptions;

/**
 * Everything a coordinator instance needs to start, validated once here.
 *
 * @param host            address to listen on (127.0.0.1 by default; 0.0.0.0 to serve other hosts)
 * @param port            HTTP port (DTM's 36789 by default; 0 picks a free one)
 * @param store           store URI, see {@link StoreFactory}
 * @param engine          engine settings
 * @param maxRequestBytes largest request body accepted
 * @param instanceId      this instance's name in leases; unique among instances sharing a store
 */
public record ServerConfig(String host, int port, String store, EngineOptions engine, int maxRequestBytes,
        String instanceId) {
    public static final int DEFAULT_PORT = 36789;
    public static final String DEFAULT_STORE = "h2:./data/redsaga";
    public static final int DEFAULT_MAX_REQUEST_BYTES = 1 << 20;

    public ServerConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host is required, e.g. 127.0.0.1");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
        }
        if (store == null || store.isBlank()) {
            throw new IllegalArgumentException("store is required, e.g. " + DEFAULT_STORE);
        }
        if (maxRequestBytes < 1024) {
            throw new IllegalArgumentException("max request size must be at least 1024 bytes, was " + maxRequestBytes);
        }
        if (instanceId == null || instanceId.isBlank()) {
            throw new IllegalArgumentException("instance id is required");
        }
    }

    /** A unique instance id: process id plus randomness, so a restarted process never reuses a lease name. */
    public static String newInstanceId() {
        return "rs-" + ProcessHandle.current().pid() + "-"
                + Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 24, 36);
    }

    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", DEFAULT_PORT, DEFAULT_STORE, EngineOptions.defaults(),
                DEFAULT_MAX_REQUEST_BYTES, newInstanceId());
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(host, p, store, engine, maxRequestBytes, instanceId);
    }

    public ServerConfig withStore(String s) {
        return new ServerConfig(host, port, s, engine, maxRequestBytes, instanceId);
    }

    public ServerConfig withEngine(EngineOptions e) {
        return new ServerConfig(host, port, store, e, maxRequestBytes, instanceId);
    }
}
