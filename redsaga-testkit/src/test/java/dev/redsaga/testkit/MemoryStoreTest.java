package dev.redsaga.testkit;

import dev.redsaga.server.store.TransactionStore;
import dev.redsaga.server.store.TransactionStoreContract;

/** The store contract on the in-memory store the simulator and tests use. */
class MemoryStoreTest extends TransactionStoreContract {
    @Override
    protected TransactionStore open(String name) {
        return new MemoryTransactionStore(60_000);
    }

    @Override
    protected void drop(String name) {
    }
}
