package dev.redsaga.server.config;

import dev.redsaga.server.store.StoreException;
import dev.redsaga.server.store.StoreUris;
import dev.redsaga.server.store.TransactionStore;
import dev.redsaga.server.store.jdbc.JdbcTransactionStore;
import dev.redsaga.server.store.redis.RedisTransactionStore;
import java.io.File;
import java.time.Duration;

/**
 * Opens a store from its URI:
 * <ul>
 *   <li>{@code h2:PATH} — the embedded default, a file at PATH (.mv.db added); {@code h2:mem:NAME} in memory</li>
 *   <li>{@code redis://host:6379[/db]}, {@code redis-cluster://host:7000,host:7001,...}</li>
 *   <li>{@code jdbc:postgresql://host:port/db?user=..}, {@code jdbc:mariadb://host:port/db?user=..},
 *       {@code jdbc:h2:...}</li>
 * </ul>
 */
public final class StoreFactory {
    public static final String TABLE = "redsaga_trans";
    /** Connections to a JDBC store, unless the server is told otherwise ({@code --store-pool}). */
    public static final int DEFAULT_POOL_SIZE = 16;
    /** How long finished transactions are kept whole, unless the server is told otherwise ({@code --retention}). */
    public static final int DEFAULT_RETENTION_DAYS = 7;
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(DEFAULT_RETENTION_DAYS);

    private StoreFactory() {
    }

    /** Opens the store; a bad or unreachable URI is a {@link StoreException} whose message says what to fix. */
    public static TransactionStore open(String uri) {
        return open(uri, DEFAULT_POOL_SIZE);
    }

    /** As {@link #open(String)}, with {@code poolSize} connections to a JDBC store (Redis multiplexes one). */
    public static TransactionStore open(String uri, int poolSize) {
        return open(uri, poolSize, DEFAULT_RETENTION);
    }

    /**
     * As {@link #open(String, int)}, keeping finished transactions whole for {@code retention} (then only their gid and
     * final status stay, so the gid is never run again); {@link Duration#ZERO} keeps them for ever on a SQL store.
     * A Redis URI's own {@code retention=} parameter wins over it.
     */
    public static TransactionStore open(String uri, int poolSize, Duration retention) {
        if (uri.startsWith("h2:mem:")) {
            return JdbcTransactionStore.open("jdbc:" + uri + ";DB_CLOSE_DELAY=-1", null, null, TABLE, poolSize, uri,
                    retention);
        }
        if (uri.startsWith("h2:")) {
            String path = uri.substring(3);
            if (path.isBlank()) {
                throw new StoreException("store '" + uri + "' names no file: use h2:./data/redsaga");
            }
            File parent = new File(path).getAbsoluteFile().getParentFile();
            if (parent != null && !parent.isDirectory() && !parent.mkdirs()) {
                throw new StoreException("cannot create the directory " + parent + " for store '" + uri + "'");
            }
            // WRITE_DELAY=0: a commit reaches the file before the submit is acknowledged (survives kill -9);
            // DB_CLOSE_ON_EXIT=FALSE: the server closes the store itself after handing back its work.
            return JdbcTransactionStore.open("jdbc:h2:file:" + path + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE",
                    null, null, TABLE, poolSize, uri, retention);
        }
        if (uri.startsWith("redis://") || uri.startsWith("rediss://") || uri.startsWith("redis-cluster://")) {
            RedisTransactionStore.Options defaults = RedisTransactionStore.Options.defaults();
            if (retention.isZero()) {
                throw new StoreException("a Redis store needs a retention (it expires what it does not keep): give "
                        + "--retention 7d or more, not 0");
            }
            return RedisTransactionStore.open(uri, new RedisTransactionStore.Options(defaults.keyPrefix(),
                    defaults.shards(), retention, defaults.waitReplicas(), defaults.waitTimeout()));
        }
        if (uri.startsWith("jdbc:")) {
            try {
                return JdbcTransactionStore.open(uri, null, null, TABLE, poolSize, StoreUris.redact(uri),
                        retention);
            } catch (IllegalArgumentException e) {
                throw new StoreException(e.getMessage());
            }
        }
        throw new StoreException("unknown store '" + StoreUris.redact(uri) + "': use h2:./data/redsaga, "
                + "redis://host:6379, "
                + "redis-cluster://host:7000,host:7001, jdbc:postgresql://host:5432/db?user=u, "
                + "or jdbc:mariadb://host:3306/db?user=u");
    }
}
