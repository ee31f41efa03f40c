package dev.redsaga.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.server.store.jdbc.JdbcTransactionStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** The store contract on embedded H2 (the default store). */
class H2StoreTest extends TransactionStoreContract {
    @Override
    protected TransactionStore open(String name) {
        return JdbcTransactionStore.open("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1", null, null, "t_" + name, 8);
    }

    @Override
    protected void drop(String name) {
    }

    @Override
    protected void spellAsEarlierBuilds(String name, String gid) {
        try (Connection c = DriverManager.getConnection("jdbc:h2:mem:" + name);
                PreparedStatement ps = c.prepareStatement("UPDATE t_" + name + " SET status = 'succeeded' WHERE gid = ?")) {
            ps.setString(1, gid);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
