package dev.redsaga.server.engine;

import dev.redsaga.server.store.TransactionRecord;

/** A transaction the engine holds in memory: the stored record, its parsed definition and its progress. */
public record Transaction(TransactionRecord record, SagaDefinition definition, SagaProgress progress) {
}
