package dev.redsaga.server.engine;

import dev.redsaga.server.store.TransactionRecord;

/** A transaction the engine holds in memory: the stored record, its parsed definition and its progress. */
public record Transaction(TransactionRecord record, SagaDefinition definition, SagaProgress progress) {

    /**
     * {@code r} read back, its definition read already, detecting whether an owner died holding it: then its
     * progress is uncertain (see {@link SagaProgress}).
     */
    static Transaction of(TransactionRecord r, SagaDefinition def) {
        SagaProgress p = ProgressCodec.decode(r.progress());
        if (p.releasedAt() != r.version() - 1) {
            p = p.asUncertain();
        }
        return new Transaction(r, def, p);
    }
}
