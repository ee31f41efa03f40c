package dev.redsaga.server.config;

import dev.redsaga.server.engine.EngineOptions;
import java.time.Duration;

/**
 * Everything a coordinator instance needs to start, validated once here.
 *
 * @param host            address to listen on (127.0.0.1 by default; 0.0.0.0 to serve other hosts)
 * @param port            HTTP port (DTM's 36789 by default; 0 picks a free one)
 * @param store           store URI, see {@link StoreFactory}
 * @param engine          engine settings
 * @param maxRequestBytes largest request body accepted
 * @param instanceId      this instance's name in leases; unique among instances sharing a store
 * @param access          who may call the API (tokens, scopes, browser origins)
 * @param branches        which branch URLs the coordinator may call
 * @param maxConnections  open client connections at most
 * @param storePoolSize   connections to a JDBC store (several instances on one database share its connection limit)
 * @param branchFlow      how calls to each branch destination are paced (in-flight limit, retry budget, circuit)
 * @param observability   traces exported, alerts sent
 * @param retention       how long the store keeps finished transactions whole (then their gid and final status
 *                        only); {@link Duration#ZERO}: for ever (SQL stores only)
 */
public record ServerConfig(String host, int port, String store, EngineOptions engine, int maxRequestBytes,
        String instanceId, AccessPolicy access, BranchUrlPolicy branches, int maxConnections, int storePoolSize,
        FlowControl branchFlow, Observability observability, Duration retention) {
    public static final int DEFAULT_PORT = 36789;
    public static final String DEFAULT_STORE = "h2:./data/redsaga";
    public static final int DEFAULT_MAX_REQUEST_BYTES = 1 << 20;
    /** The most {@code maxRequestBytes} may be: a request body is held in memory whole. */
    public static final int MAX_REQUEST_BYTES_LIMIT = 64 << 20;
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /** Calls in flight to one branch destination at most (the adaptive limit moves below it). */
    public static final int DEFAULT_BRANCH_LIMIT = 256;

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
        if (maxRequestBytes < 1024 || maxRequestBytes > MAX_REQUEST_BYTES_LIMIT) {
            throw new IllegalArgumentException("--max-request-bytes must be between 1024 and " + MAX_REQUEST_BYTES_LIMIT
                    + " (64 MiB: a request is held in memory whole), was " + maxRequestBytes);
        }
        if (instanceId == null || instanceId.isBlank()) {
            throw new IllegalArgumentException("instance id is required");
        }
        if (access == null) {
            throw new IllegalArgumentException("access policy is required (AccessPolicy.open() for none)");
        }
        if (branches == null) {
            throw new IllegalArgumentException("branch URL policy is required (BranchUrlPolicy.defaults())");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("max connections must be at least 1, was " + maxConnections);
        }
        if (storePoolSize < 1 || storePoolSize > 1_000) {
            throw new IllegalArgumentException("the store's pool size must be between 1 and 1000, was "
                    + storePoolSize);
        }
        if (branchFlow == null) {
            throw new IllegalArgumentException("branch flow control is required (FlowControl.defaults(...))");
        }
        if (retention == null || retention.isNegative()) {
            throw new IllegalArgumentException("the retention must be 0 (keep everything) or positive, was "
                    + retention);
        }
        if (observability == null) {
            throw new IllegalArgumentException("observability settings are required (Observability.NONE for none)");
        }
    }

    /** A server whose spans are not exported. */
    public ServerConfig(String host, int port, String store, EngineOptions engine, int maxRequestBytes,
            String instanceId, AccessPolicy access, BranchUrlPolicy branches, int maxConnections, int storePoolSize,
            FlowControl branchFlow) {
        this(host, port, store, engine, maxRequestBytes, instanceId, access, branches, maxConnections, storePoolSize,
                branchFlow, Observability.NONE, StoreFactory.DEFAULT_RETENTION);
    }

    /** This configuration with another branch pacing. */
    public ServerConfig withBranchFlow(FlowControl flow) {
        return new ServerConfig(host, port, store, engine, maxRequestBytes, instanceId, access, branches,
                maxConnections, storePoolSize, flow, observability, retention);
    }

    /** This configuration, keeping finished transactions whole for {@code r} (0: for ever, SQL stores only). */
    public ServerConfig withRetention(Duration r) {
        return new ServerConfig(host, port, store, engine, maxRequestBytes, instanceId, access, branches,
                maxConnections, storePoolSize, branchFlow, observability, r);
    }

    /** This configuration, exporting spans to {@code endpoint} ({@code null}: none). */
    public ServerConfig withOtlpEndpoint(String endpoint) {
        return withObservability(observability.withOtlpEndpoint(endpoint));
    }

    public ServerConfig withObservability(Observability o) {
        return new ServerConfig(host, port, store, engine, maxRequestBytes, instanceId, access, branches,
                maxConnections, storePoolSize, branchFlow, o, retention);
    }

    /** A server with the default branch pacing. */
    public ServerConfig(String host, int port, String store, EngineOptions engine, int maxRequestBytes,
            String instanceId, AccessPolicy access, BranchUrlPolicy branches, int maxConnections, int storePoolSize) {
        this(host, port, store, engine, maxRequestBytes, instanceId, access, branches, maxConnections, storePoolSize,
                FlowControl.defaults(DEFAULT_BRANCH_LIMIT));
    }

    /** A server with the default store pool. */
    public ServerConfig(String host, int port, String store, EngineOptions engine, int maxRequestBytes,
            String instanceId, AccessPolicy access, BranchUrlPolicy branches, int maxConnections) {
        this(host, port, store, engine, maxRequestBytes, instanceId, access, branches, maxConnections,
                StoreFactory.DEFAULT_POOL_SIZE);
    }

    /** A server with these callers and the default branch URL policy. */
    public ServerConfig(String host, int port, String store, EngineOptions engine, int maxRequestBytes,
            String instanceId, AccessPolicy access) {
        this(host, port, store, engine, maxRequestBytes, instanceId, access, BranchUrlPolicy.defaults(),
                DEFAULT_MAX_CONNECTIONS);
    }

    /** A server with no tokens: for loopback (the embedded uses and tests). */
    public ServerConfig(String host, int port, String store, EngineOptions engine, int maxRequestBytes,
            String instanceId) {
        this(host, port, store, engine, maxRequestBytes, instanceId, openIfLoopback(host));
    }

    private static AccessPolicy openIfLoopback(String host) {
        if (host != null && !host.isBlank() && !AccessPolicy.isLoopback(host)) {
            throw new IllegalArgumentException("a server on " + host + " needs an access policy: give tokens");
        }
        return AccessPolicy.open();
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
        return new ServerConfig(host, p, store, engine, maxRequestBytes, instanceId, access, branches, maxConnections,
                storePoolSize, branchFlow, observability, retention);
    }

    public ServerConfig withStore(String s) {
        return new ServerConfig(host, port, s, engine, maxRequestBytes, instanceId, access, branches, maxConnections,
                storePoolSize, branchFlow, observability, retention);
    }

    public ServerConfig withEngine(EngineOptions e) {
        return new ServerConfig(host, port, store, e, maxRequestBytes, instanceId, access, branches, maxConnections,
                storePoolSize, branchFlow, observability, retention);
    }
}
