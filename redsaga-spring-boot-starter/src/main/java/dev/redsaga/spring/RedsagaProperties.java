package dev.redsaga.spring;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** The {@code redsaga.*} properties: the coordinator the client talks to, and the barrier's table. */
@ConfigurationProperties("redsaga")
public class RedsagaProperties {
    private final Client client = new Client();
    private final Barrier barrier = new Barrier();

    public Client getClient() {
        return client;
    }

    public Barrier getBarrier() {
        return barrier;
    }

    /** {@code redsaga.client.*}: where the coordinator is, and how to talk to it. */
    public static class Client {
        /** The coordinator's base URL. */
        private String url = "http://127.0.0.1:36789";
        /** Bearer token sent with every request, for a coordinator that requires one (its --api-token). */
        private String token;
        /** Longest wait for one answer of the coordinator (a wait_result submit waits for the saga). */
        private Duration timeout = Duration.ofSeconds(30);
        /** Longest wait for a connection to the coordinator. */
        private Duration connectTimeout = Duration.ofSeconds(3);

        public String getUrl() {
            return url;
        }

        public void setUrl(String url) {
            this.url = url;
        }

        public String getToken() {
            return token;
        }

        public void setToken(String token) {
            this.token = token;
        }

        public Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }
    }

    /** {@code redsaga.barrier.*}: the sub-transaction barrier in the application's database. */
    public static class Barrier {
        /** Whether to offer the barrier (a TransactionalBarrier bean) when the application has one DataSource. */
        private boolean enabled = true;
        /** The barrier's table, optionally schema-qualified (DTM's clients use dtm_barrier.barrier). */
        private String table = "barrier";
        /** Create the barrier's table at startup if it is missing (else create it with your migrations). */
        private boolean createTable = false;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getTable() {
            return table;
        }

        public void setTable(String table) {
            this.table = table;
        }

        public boolean isCreateTable() {
            return createTable;
        }

        public void setCreateTable(boolean createTable) {
            this.createTable = createTable;
        }
    }
}
