package dev.redsaga.server.store.jdbc;

import java.util.List;

/** What differs between the SQL databases the JDBC store runs on. */
public enum SqlDialect {
    H2("VARCHAR", "", "", ""),
    POSTGRESQL("TEXT", " FOR UPDATE SKIP LOCKED", "", " COLLATE \"C\""),
    // MariaDB/MySQL compare strings case-insensitively by default: 'Order-1' and 'order-1' would be one gid
    MARIADB("LONGTEXT", " FOR UPDATE SKIP LOCKED", " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
            " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");

    private final String textType;
    private final String claimLock;
    private final String exactCollation;
    /** Keys compared and ordered by their characters' codes, whatever the database's locale. */
    private final String keyCollation;

    SqlDialect(String textType, String claimLock, String exactCollation, String keyCollation) {
        this.textType = textType;
        this.claimLock = claimLock;
        this.exactCollation = exactCollation;
        this.keyCollation = keyCollation;
    }

    /** Row locking for the claim query: skip rows another coordinator is claiming right now. */
    String claimLock() {
        return claimLock;
    }

    public static SqlDialect fromJdbcUrl(String url) {
        if (url.startsWith("jdbc:h2:")) {
            return H2;
        }
        if (url.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        if (url.startsWith("jdbc:mariadb:") || url.startsWith("jdbc:mysql:")) {
            return MARIADB;
        }
        throw new IllegalArgumentException("unsupported JDBC URL '" + url
                + "': use jdbc:h2:, jdbc:postgresql: or jdbc:mariadb:");
    }

    /** Idempotent DDL creating the table and its indexes. */
    List<String> schema(String table) {
        String t = textType;
        String create = "CREATE TABLE IF NOT EXISTS " + table + " ("
                + "gid VARCHAR(128)" + exactCollation + " NOT NULL PRIMARY KEY, "
                + "trans_type VARCHAR(32) NOT NULL, "
                + "status VARCHAR(16) NOT NULL, "
                + "definition " + t + " NOT NULL, "
                + "progress " + t + " NOT NULL, "
                + "version BIGINT NOT NULL, "
                + "owner VARCHAR(128), "
                + "next_due BIGINT, "
                + "created_at BIGINT NOT NULL, "
                + "updated_at BIGINT NOT NULL, "
                + "finished_at BIGINT, "
                + "reason " + t + ")";
        return List.of(
                create,
                "CREATE INDEX IF NOT EXISTS " + table + "_due ON " + table + " (next_due)",
                "CREATE INDEX IF NOT EXISTS " + table + "_created ON " + table + " (created_at, gid)",
                "CREATE INDEX IF NOT EXISTS " + table + "_status ON " + table + " (status, created_at, gid)",
                // the retention's sweep: finished rows by finish time (compacted ones leave it: finished_at NULL)
                "CREATE INDEX IF NOT EXISTS " + table + "_finished ON " + table + " (finished_at)",
                // key-value pairs (topics): a table of their own, next to the transactions'
                "CREATE TABLE IF NOT EXISTS " + table + "_kv ("
                        + "cat VARCHAR(64)" + keyCollation + " NOT NULL, "
                        + "k VARCHAR(255)" + keyCollation + " NOT NULL, "
                        + "v " + t + " NOT NULL, "
                        + "version BIGINT NOT NULL, "
                        + "created_at BIGINT NOT NULL, "
                        + "updated_at BIGINT NOT NULL, "
                        + "PRIMARY KEY (cat, k))");
    }
}
