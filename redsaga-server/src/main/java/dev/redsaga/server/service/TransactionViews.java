package dev.redsaga.server.service;

import dev.redsaga.protocol.BranchStatus;
import dev.redsaga.protocol.BranchView;
import dev.redsaga.protocol.QueryReply;
import dev.redsaga.protocol.SagaStep;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.protocol.TransView;
import dev.redsaga.server.engine.BranchCall;
import dev.redsaga.server.engine.BranchState;
import dev.redsaga.server.engine.SagaDefinition;
import dev.redsaga.server.engine.SagaProgress;
import dev.redsaga.server.engine.Step;
import dev.redsaga.server.engine.Transaction;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** How a transaction is shown on the wire: DTM's {@code query} answer, and the summaries of {@code all}. */
final class TransactionViews {
    private TransactionViews() {
    }

    /** The transaction and its branches, as DTM lists them: for each step its undo (if its type has one), its op. */
    static QueryReply of(Transaction t) {
        SagaDefinition def = t.definition();
        SagaProgress p = t.progress();
        String gid = def.gid();
        List<BranchView> branches = new ArrayList<>();
        for (int i = 0; i < def.size(); i++) {
            Step s = def.steps().get(i);
            // a compensation branch for every step of a saga or tcc, as DTM lists them (one without a URL is never
            // called); a message has none
            if (def.kind().compensates()) {
                branches.add(branch(gid, s, new BranchCall(i, true), def, s.compensate(), p.compensations().get(i)));
            }
            branches.add(branch(gid, s, new BranchCall(i, false), def, s.action(), p.actions().get(i)));
        }
        return new QueryReply(transaction(t.record(), def), branches);
    }

    private static BranchView branch(String gid, Step s, BranchCall call, SagaDefinition def, String url,
            BranchState b) {
        return new BranchView(gid, s.branchId(), def.kind().op(call), url, status(b),
                b.attempts() == 0 ? null : b.attempts(), b.lastError(),
                b.answeredAt() == 0 ? null : time(b.answeredAt()),
                b.notBefore() == 0 || b.isSucceeded() ? null : time(b.notBefore()));
    }

    private static BranchStatus status(BranchState b) {
        return switch (b.phase()) {
            case SUCCEEDED -> BranchStatus.SUCCEEDED;
            case FAILED -> BranchStatus.FAILED;
            case PENDING, ATTEMPTED -> BranchStatus.PREPARED;
        };
    }

    private static TransView transaction(TransactionRecord r, SagaDefinition def) {
        // the steps as sent (a topic, not its subscribers: those are the branches)
        List<SagaStep> steps = new ArrayList<>(def.size());
        List<String> payloads = new ArrayList<>(def.size());
        for (Step s : def.sentSteps()) {
            steps.add(new SagaStep(s.action(), s.hasCompensation() ? s.compensate() : null));
            payloads.add(s.payload());
        }
        return new TransView(r.gid(), r.transType(), r.status(), steps, payloads, time(r.createdAt()),
                time(r.updatedAt()), time(r.finishedAt()), time(r.nextDueAt()), r.owner(), r.reason(),
                def.customData(), def.options().queryPrepared().isEmpty() ? null : def.options().queryPrepared(),
                "http", def.options().retryIntervalMs() / 1000,
                r.status() == TransStatus.FAILED ? time(r.finishedAt()) : null);
    }

    /** A listing's row: no steps, payloads or custom_data (query one gid for those). */
    static TransView summary(TransactionSummary r) {
        return new TransView(r.gid(), r.transType(), r.status(), null, null, time(r.createdAt()), time(r.updatedAt()),
                time(r.finishedAt()), time(r.nextDueAt()), r.owner(), r.reason(), null, null, null, null,
                r.status() == TransStatus.FAILED ? time(r.finishedAt()) : null);
    }

    /**
     * An upper bound of a summary's JSON size, without writing it (the answer is written once, by the transport):
     * the fixed fields, plus the free texts at six bytes a character (the longest JSON escape).
     */
    static long maxJsonSize(TransactionSummary r) {
        return 450 + 6L * (r.gid().length() + length(r.owner()) + length(r.reason()) + length(r.transType()));
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    private static String time(Long epochMs) {
        return epochMs == null ? null : Instant.ofEpochMilli(epochMs).toString();
    }
}
