package dev.redsaga.testkit;

import dev.redsaga.server.store.TransactionStore;
import dev.redsaga.server.store.TransactionStoreContract;
import org.junit.jupiter.api.Assumptions;

/** The store contract on the in-memory store the simulator and tests use. */
class MemoryStoreTest extends TransactionStoreContract {
    @Override
    protected TransactionStore open(String name) {
        return new MemoryTransactionStore(60_000);
    }

    @Override
    protected void drop(String name) {
    }

    @Override
    protected void spellAsEarlierBuilds(String name, String gid) {
        Assumptions.abort("the in-memory store holds statuses as values, not spelled, and is gone once closed");
    }
}
