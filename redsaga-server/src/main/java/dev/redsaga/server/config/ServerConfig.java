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
    public static final String DEFAULT_HOST = "127.0.0.1";
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

    /** The defaults: 127.0.0.1:36789, the embedded store, no tokens (loopback only). */
    public static ServerConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration, to change some of it. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.store = store;
        b.engine = engine;
        b.maxRequestBytes = maxRequestBytes;
        b.instanceId = instanceId;
        b.access = access;
        b.branches = branches;
        b.maxConnections = maxConnections;
        b.storePoolSize = storePoolSize;
        b.branchFlow = branchFlow;
        b.observability = observability;
        b.retention = retention;
        return b;
    }

    /**
     * Named settings, each at its default until set; {@link #build()} checks them all (the record's constructor is
     * the one place they are checked).
     */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private String store = DEFAULT_STORE;
        private EngineOptions engine = EngineOptions.defaults();
        private int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
        /** Unset: a new one ({@link #newInstanceId()}). */
        private String instanceId;
        /** Unset: no tokens, which only a loopback host may have. */
        private AccessPolicy access;
        private BranchUrlPolicy branches = BranchUrlPolicy.defaults();
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int storePoolSize = StoreFactory.DEFAULT_POOL_SIZE;
        private FlowControl branchFlow = FlowControl.defaults(DEFAULT_BRANCH_LIMIT);
        private Observability observability = Observability.NONE;
        private Duration retention = StoreFactory.DEFAULT_RETENTION;

        private Builder() {
        }

        public Builder host(String h) {
            this.host = h;
            return this;
        }

        public Builder port(int p) {
            this.port = p;
            return this;
        }

        public Builder store(String uri) {
            this.store = uri;
            return this;
        }

        public Builder engine(EngineOptions e) {
            this.engine = e;
            return this;
        }

        public Builder maxRequestBytes(int n) {
            this.maxRequestBytes = n;
            return this;
        }

        public Builder instanceId(String id) {
            this.instanceId = id;
            return this;
        }

        public Builder access(AccessPolicy a) {
            this.access = a;
            return this;
        }

        public Builder branches(BranchUrlPolicy b) {
            this.branches = b;
            return this;
        }

        public Builder maxConnections(int n) {
            this.maxConnections = n;
            return this;
        }

        public Builder storePoolSize(int n) {
            this.storePoolSize = n;
            return this;
        }

        public Builder branchFlow(FlowControl f) {
            this.branchFlow = f;
            return this;
        }

        public Builder observability(Observability o) {
            this.observability = o;
            return this;
        }

        /** Spans exported to {@code endpoint} ({@code null}: none). */
        public Builder otlpEndpoint(String endpoint) {
            this.observability = observability.withOtlpEndpoint(endpoint);
            return this;
        }

        /** How long finished transactions stay whole ({@link Duration#ZERO}: for ever, SQL stores only). */
        public Builder retention(Duration r) {
            this.retention = r;
            return this;
        }

        /** @throws IllegalArgumentException naming the first setting that is wrong */
        public ServerConfig build() {
            return new ServerConfig(host, port, store, engine, maxRequestBytes,
                    instanceId == null ? newInstanceId() : instanceId,
                    access == null ? openIfLoopback(host) : access, branches, maxConnections, storePoolSize,
                    branchFlow, observability, retention);
        }
    }
}
