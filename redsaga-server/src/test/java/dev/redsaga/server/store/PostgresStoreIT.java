package dev.redsaga.server.store;

import dev.redsaga.client.testing.TestServices;
import dev.redsaga.server.store.jdbc.JdbcTransactionStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** The store contract on PostgreSQL (conditional UPDATEs, FOR UPDATE SKIP LOCKED claims). */
class PostgresStoreIT extends TransactionStoreContract {
    static final String URL = TestServices.POSTGRES_URL + "?user=" + TestServices.POSTGRES_USER;

    @Override
    protected TransactionStore open(String name) {
        TestServices.requirePostgres();
        return JdbcTransactionStore.open(URL, null, null, "t_" + name, 8, "t_" + name,
                RETENTION);
    }

    @Override
    protected void drop(String name) {
        try (Connection c = DriverManager.getConnection(URL)) {
            c.createStatement().execute("DROP TABLE IF EXISTS t_" + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected void spellAsEarlierBuilds(String name, String gid) {
        spellAsEarlierBuilds(URL, name, gid);
    }
}
