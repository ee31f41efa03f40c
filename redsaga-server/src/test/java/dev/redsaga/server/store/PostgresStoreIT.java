package dev.redsaga.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redsaga.client.testing.TestServices;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.store.jdbc.JdbcTransactionStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

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
            c.createStatement().execute("DROP TABLE IF EXISTS t_" + name + "_kv");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Only an error by which the database says it refused the statement means "not written". After an
     * OutOfMemoryError the driver answered an insert that had committed with SQL state 0100E ("a result was returned
     * when none was expected"), and the coordinator answered "nothing was done": here a trigger raises that state
     * (and a constraint's, for the other side).
     */
    @Test
    void aWriteErrorThatIsNotADefiniteRejectionLeavesTheOutcomeUnknown() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL)) {
            c.createStatement().execute("CREATE OR REPLACE FUNCTION t_" + run + "_refuse() RETURNS trigger AS $$ "
                    + "BEGIN IF NEW.gid LIKE 'odd-%' THEN RAISE SQLSTATE '0100E'; END IF; "
                    + "IF NEW.gid LIKE 'check-%' THEN RAISE SQLSTATE '23514'; END IF; RETURN NEW; END $$ "
                    + "LANGUAGE plpgsql");
            c.createStatement().execute("CREATE TRIGGER t_" + run + "_refuse BEFORE INSERT ON t_" + run
                    + " FOR EACH ROW EXECUTE FUNCTION t_" + run + "_refuse()");
        }
        try {
            assertThatThrownBy(() -> store.insertIfAbsent(record("odd-1", TransStatus.SUBMITTED, 1L, 1)))
                    .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.outcomeUnknown()).isTrue());
            assertThatThrownBy(() -> store.insertIfAbsent(record("check-1", TransStatus.SUBMITTED, 1L, 1)))
                    .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.outcomeUnknown()).isFalse());
            // the connection that met the odd error was evicted; the store goes on
            store.insertIfAbsent(record("fine-1", TransStatus.SUBMITTED, 1L, 1));
            assertThat(store.find("fine-1")).isPresent();
        } finally {
            try (Connection c = DriverManager.getConnection(URL)) {
                c.createStatement().execute("DROP FUNCTION IF EXISTS t_" + run + "_refuse() CASCADE");
            }
        }
    }

    @Override
    protected void spellAsEarlierBuilds(String name, String gid) {
        spellAsEarlierBuilds(URL, name, gid);
    }
}
