package dev.redsaga.server.store;

import dev.redsaga.server.store.jdbc.JdbcTransactionStore;

/** The store contract on embedded H2 (the default store). */
class H2StoreTest extends TransactionStoreContract {
    @Override
    protected TransactionStore open(String name) {
        return JdbcTransactionStore.open("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1", null, null, "t_" + name, 8,
                "h2:mem:" + name, RETENTION);
    }

    @Override
    protected void drop(String name) {
    }

    @Override
    protected void spellAsEarlierBuilds(String name, String gid) {
        spellAsEarlierBuilds("jdbc:h2:mem:" + name, name, gid);
    }
}
