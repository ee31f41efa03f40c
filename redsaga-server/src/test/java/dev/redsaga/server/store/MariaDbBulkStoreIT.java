package dev.redsaga.server.store;

import dev.redsaga.client.testing.TestServices;
import dev.redsaga.server.store.jdbc.JdbcTransactionStore;

/**
 * The store contract on MariaDB with the driver's bulk protocol ({@code useBulkStmts=true}), which answers a batch
 * with "succeeded, count unknown" (-2) for every statement: the claim must not take that for a lost race, nor
 * for a won one.
 */
class MariaDbBulkStoreIT extends MariaDbStoreIT {
    @Override
    protected TransactionStore open(String name) {
        TestServices.requireMariaDb();
        return JdbcTransactionStore.open(URL + "&useBulkStmts=true", null, null, "t_" + name, 8, "t_" + name,
                RETENTION);
    }
}
