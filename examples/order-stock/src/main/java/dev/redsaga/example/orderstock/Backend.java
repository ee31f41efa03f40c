package dev.redsaga.example.orderstock;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

/**
 * The database kind a demo service runs on; each service gets a database of its own (its own H2 database,
 * PostgreSQL schema or MariaDB database), created fresh for a run.
 */
public enum Backend {
    H2, POSTGRES, MARIADB;

    public static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    public static final String MARIADB_URL = "jdbc:mariadb://127.0.0.1:3306/test?user=root";

    public static Backend parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "h2" -> H2;
            case "postgres", "postgresql", "pg" -> POSTGRES;
            case "mariadb", "mysql" -> MARIADB;
            default -> throw new IllegalArgumentException("unknown database '" + s + "': use h2, postgres or mariadb");
        };
    }

    /** Auto-increment primary key column, as this database spells it. */
    public String idColumn() {
        return this == POSTGRES ? "id BIGSERIAL PRIMARY KEY" : "id BIGINT AUTO_INCREMENT PRIMARY KEY";
    }

    /**
     * A pool on a fresh, empty database named {@code name} (dropped first if it exists).
     *
     * @param poolSize connections; bounds the service's concurrent local transactions
     */
    public HikariDataSource freshDatabase(String name, int poolSize) {
        if (this != H2) {
            try (Connection c = DriverManager.getConnection(serverUrl()); Statement s = c.createStatement()) {
                if (this == POSTGRES) {
                    s.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
                    s.execute("CREATE SCHEMA " + name);
                } else {
                    s.execute("DROP DATABASE IF EXISTS " + name);
                    s.execute("CREATE DATABASE " + name);
                }
            } catch (SQLException e) {
                throw unreachable(name, e);
            }
        }
        return openDatabase(name, poolSize);
    }

    /**
     * A pool on the database {@code name} as it is (created earlier by {@link #freshDatabase}, perhaps by another
     * process: a service restarted on its data). Not for H2, whose databases live in the process that made them.
     */
    public HikariDataSource openDatabase(String name, int poolSize) {
        String url = switch (this) {
            case H2 -> "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000";
            case POSTGRES -> POSTGRES_URL + "&currentSchema=" + name;
            case MARIADB -> MARIADB_URL.replace("/test?", "/" + name + "?");
        };
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName(name);
        config.setConnectionTimeout(30_000);
        try {
            return new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw unreachable(name, e);
        }
    }

    private String serverUrl() {
        return this == POSTGRES ? POSTGRES_URL : MARIADB_URL;
    }

    private IllegalStateException unreachable(String name, Exception e) {
        return new IllegalStateException("cannot prepare database " + name + " on " + this + " (" + serverUrl()
                + "): " + e.getMessage() + " — is the server running? (see docs/operations.md)", e);
    }

    /** Drops what {@link #freshDatabase} created (H2 in-memory databases go with their pool). */
    public void dropDatabase(String name) {
        try {
            switch (this) {
                case H2 -> { }
                case POSTGRES, MARIADB -> {
                    try (Connection c = DriverManager.getConnection(serverUrl()); Statement s = c.createStatement()) {
                        s.execute(this == POSTGRES ? "DROP SCHEMA IF EXISTS " + name + " CASCADE"
                                : "DROP DATABASE IF EXISTS " + name);
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop database " + name + ": " + e.getMessage(), e);
        }
    }
}
