package dev.redsaga.server.store;

import dev.redsaga.client.testing.TestServices;
import dev.redsaga.server.store.jdbc.JdbcTransactionStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** The store contract on MariaDB. */
class MariaDbStoreIT extends TransactionStoreContract {
    static final String URL = TestServices.MARIADB_URL + "?user=" + TestServices.MARIADB_USER;

    @Override
    protected TransactionStore open(String name) {
        TestServices.requireMariaDb();
        return JdbcTransactionStore.open(URL, null, null, "t_" + name, 8, "t_" + name,
                RETENTION);
    }

    @Override
    protected void drop(String name) {
        try (Connection c = DriverManager.getConnection(URL)) {
            c.createStatement().execute("DROP TABLE IF EXISTS t_" + name);
            c.createStatement().execute("DROP TABLE IF EXISTS t_" + name + "_kv");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected void spellAsEarlierBuilds(String name, String gid) {
        spellAsEarlierBuilds(URL, name, gid);
    }
}
