package dev.redsaga.server.service;

import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.BranchStatus;
import dev.redsaga.protocol.BranchView;
import dev.redsaga.protocol.Gids;
import dev.redsaga.protocol.ListReply;
import dev.redsaga.protocol.QueryReply;
import dev.redsaga.protocol.SagaStep;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.protocol.TransView;
import dev.redsaga.server.engine.BranchState;
import dev.redsaga.server.engine.DriveListener;
import dev.redsaga.server.engine.InvalidTransactionException;
import dev.redsaga.server.engine.ProgressCodec;
import dev.redsaga.server.engine.SagaDefinition;
import dev.redsaga.server.engine.SagaEngine;
import dev.redsaga.server.engine.SagaProgress;
import dev.redsaga.server.engine.Transaction;
import dev.redsaga.server.store.StoreException;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The coordinator's operations, one method per protocol endpoint (DTM's svcSubmit, svcPrepare, ...). Transport
 * independent: the HTTP layer maps requests here and {@link RequestException}s to status codes.
 */
public final class TransactionService {
    private static final int MAX_CAS_TRIES = 8;

    private final TransactionStore store;
    private final SagaEngine engine;
    private final InstantSource clock;

    public TransactionService(TransactionStore store, SagaEngine engine, InstantSource clock) {
        this.store = store;
        this.engine = engine;
        this.clock = clock;
    }

    public String newGid() {
        return Gids.newGid();
    }

    /**
     * Stores the saga, then drives it. The reply is sent only after the store accepted it, so an acknowledged
     * submit survives any crash. A store error before the insert is acknowledged is an error to the caller
     * ({@link RequestException.Kind#UNAVAILABLE} when nothing was written, {@link RequestException.Kind#OUTCOME_UNKNOWN}
     * when the insert may have happened); once it is acknowledged, no reply says it was not done. The same gid with
     * the same body is accepted again without running twice; with a different body it is refused.
     */
    public SubmitResult submit(TransRequest req) {
        return guarded(req.gid(), "the submit", () -> submitGuarded(req));
    }

    private SubmitResult submitGuarded(TransRequest req) {
        SagaDefinition def = parse(req);
        boolean wait = Boolean.TRUE.equals(req.waitResult());
        String definition = ProgressCodec.encodeDefinition(req);
        long now = clock.millis();
        TransactionRecord fresh = new TransactionRecord(def.gid(), req.transType(), TransStatus.SUBMITTED, definition,
                ProgressCodec.encode(SagaProgress.initial(def.size())), 1, engine.owner(),
                now + engine.leaseMs(def), now, now, null, null);
        Optional<TransactionRecord> existing = store.insertIfAbsent(fresh);
        if (existing.isEmpty()) {
            return drive(new Transaction(fresh, def, SagaProgress.initial(def.size())), wait);
        }
        TransactionRecord stored = existing.get();
        requireSameBody(stored, definition, req);
        if (stored.status() == TransStatus.PREPARED) {
            TransactionRecord submitted = stored.next(TransStatus.SUBMITTED, stored.progress(), engine.owner(),
                    now + engine.leaseMs(def), now, null);
            if (store.compareAndSet(submitted)) {
                return drive(engine.load(submitted), wait);
            }
            stored = store.find(req.gid()).orElseThrow();
        }
        return resultOf(stored.status(), wait);
    }

    /** Stores a saga as {@code prepared}: it runs only once submitted, and fails after {@code timeout_to_fail}. */
    public void prepare(TransRequest req) {
        guarded(req.gid(), "the prepare", () -> {
            prepareGuarded(req);
            return null;
        });
    }

    private void prepareGuarded(TransRequest req) {
        SagaDefinition def = parse(req);
        String definition = ProgressCodec.encodeDefinition(req);
        long now = clock.millis();
        long timeout = def.options().timeoutToFailMs();
        TransactionRecord fresh = new TransactionRecord(def.gid(), req.transType(), TransStatus.PREPARED, definition,
                ProgressCodec.encode(SagaProgress.initial(def.size()).releasedAt(1)), 1, null,
                timeout > 0 ? now + timeout : null, now, now, null, null);
        Optional<TransactionRecord> existing = store.insertIfAbsent(fresh);
        if (existing.isPresent()) {
            requireSameBody(existing.get(), definition, req);
            if (existing.get().status() != TransStatus.PREPARED) {
                throw RequestException.conflict("transaction " + req.gid() + " is already "
                        + existing.get().status().wire() + "; it cannot be prepared again");
            }
        }
    }

    /**
     * Aborts a transaction: a prepared one fails at once (nothing ran); a submitted one moves to aborting and
     * compensates. Aborting an aborting or failed one is a no-op; a succeeded one cannot be aborted.
     */
    public void abort(TransRequest req) {
        guarded(req.gid(), "the abort", () -> {
            abortGuarded(req);
            return null;
        });
    }

    private void abortGuarded(TransRequest req) {
        String gid = requireGid(req.gid());
        for (int i = 0; i < MAX_CAS_TRIES; i++) {
            TransactionRecord r = find(gid);
            long now = clock.millis();
            switch (r.status()) {
                case ABORTING, FAILED -> {
                    return;
                }
                case SUCCEEDED -> throw RequestException.conflict("transaction " + gid
                        + " already succeeded; it cannot be aborted");
                case PREPARED -> {
                    if (store.compareAndSet(r.next(TransStatus.FAILED, r.progress(), null, null, now,
                            "aborted before submit"))) {
                        return;
                    }
                }
                case SUBMITTED -> {
                    // whoever drives it now is fenced off by this write; its effects so far are unknown here
                    SagaProgress p = ProgressCodec.decode(r.progress()).asUncertain().held();
                    TransactionRecord aborting = r.next(TransStatus.ABORTING, ProgressCodec.encode(p), engine.owner(),
                            now + engine.options().leaseMs(), now, "aborted by request");
                    if (store.compareAndSet(aborting)) {
                        engine.driveLater(engine.load(aborting));
                        return;
                    }
                }
            }
        }
        throw RequestException.conflict("transaction " + gid + " kept changing; try the abort again");
    }

    /**
     * Stops a transaction where it is and marks it failed, without calling any branch: the operator's last
     * resort for a saga whose compensation can never succeed.
     */
    public void forceStop(String gidParam) {
        guarded(gidParam, "the forceStop", () -> {
            forceStopGuarded(gidParam);
            return null;
        });
    }

    private void forceStopGuarded(String gidParam) {
        String gid = requireGid(gidParam);
        for (int i = 0; i < MAX_CAS_TRIES; i++) {
            TransactionRecord r = find(gid);
            if (r.status().isTerminal()) {
                throw RequestException.conflict("transaction " + gid + " is already " + r.status().wire());
            }
            if (store.compareAndSet(r.next(TransStatus.FAILED, r.progress(), null, null, clock.millis(),
                    "stopped by forceStop" + (r.reason() == null ? "" : " (was: " + r.reason() + ")")))) {
                return;
            }
        }
        throw RequestException.conflict("transaction " + gid + " kept changing; try forceStop again");
    }

    public QueryReply query(String gidParam) {
        String gid = requireGid(gidParam);
        TransactionRecord r = guarded(gid, "the query", () -> find(gid));
        TransRequest req = ProgressCodec.decodeDefinition(r.definition());
        SagaProgress p = ProgressCodec.decode(r.progress());
        List<BranchView> branches = new ArrayList<>();
        List<SagaStep> steps = req.steps();
        for (int i = 0; i < steps.size(); i++) {
            String branchId = SagaDefinition.branchId(i);
            SagaStep s = steps.get(i);
            if (s.compensate() != null && !s.compensate().isEmpty()) {
                branches.add(new BranchView(gid, branchId, BranchOp.COMPENSATE, s.compensate(),
                        branchStatus(p.compensations().get(i))));
            }
            branches.add(new BranchView(gid, branchId, BranchOp.ACTION, s.action(), branchStatus(p.actions().get(i))));
        }
        return new QueryReply(view(r, req), branches);
    }

    public ListReply list(String status, String position, Integer limit) {
        TransStatus s = null;
        if (status != null && !status.isEmpty()) {
            try {
                s = TransStatus.fromWire(status);
            } catch (IllegalArgumentException e) {
                throw RequestException.invalid(e.getMessage());
            }
        }
        int n = limit == null ? 100 : limit;
        if (n < 1 || n > 1000) {
            throw RequestException.invalid("limit must be between 1 and 1000, was " + n);
        }
        TransactionStore.Page page;
        try {
            TransStatus f = s;
            page = guarded(null, "the listing", () -> store.list(f, position, n));
        } catch (IllegalArgumentException e) {
            throw RequestException.invalid(e.getMessage());
        }
        List<TransView> views = new ArrayList<>(page.records().size());
        for (TransactionRecord r : page.records()) {
            views.add(view(r, ProgressCodec.decodeDefinition(r.definition())));
        }
        return new ListReply(views, page.nextPosition());
    }

    private SubmitResult drive(Transaction t, boolean wait) {
        if (!wait) {
            engine.driveLater(t);
            return SubmitResult.ACCEPTED;
        }
        DriveListener.DriveResult result = engine.driveHere(t);
        return switch (result.end()) {
            case FINISHED -> resultOf(result.status(), true);
            // someone else moved it (an abort, another instance), or the store failed mid-drive: it is stored,
            // so whatever happens next it runs on — say what it is now, or that it is still running
            case LOST -> {
                try {
                    yield resultOf(find(t.record().gid()).status(), true);
                } catch (StoreException e) {
                    yield SubmitResult.ONGOING;
                }
            }
            case WAITING, HANDED_BACK -> SubmitResult.ONGOING;
        };
    }

    /**
     * Runs a service call, turning a store failure into what the caller must be told: nothing was done, or —
     * when a write reached the store and no answer came back — that it may have been done.
     */
    private static <T> T guarded(String gid, String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (StoreException e) {
            if (e.outcomeUnknown()) {
                throw RequestException.outcomeUnknown("the store did not confirm " + what + " of " + gid
                        + " (" + e.getMessage() + "); it may have been done: query the gid (GET /api/dtmsvr/query?gid="
                        + gid + "), or send the same request again with the same gid (a gid runs once)");
            }
            throw RequestException.unavailable("store unavailable, nothing was done: " + e.getMessage());
        }
    }

    private static SubmitResult resultOf(TransStatus status, boolean wait) {
        if (!wait) {
            return SubmitResult.ACCEPTED;
        }
        return switch (status) {
            case SUCCEEDED -> SubmitResult.SUCCEEDED;
            case FAILED -> SubmitResult.FAILED;
            default -> SubmitResult.ONGOING;
        };
    }

    private SagaDefinition parse(TransRequest req) {
        try {
            return SagaDefinition.parse(req, engine.options());
        } catch (InvalidTransactionException e) {
            throw RequestException.invalid(e.getMessage());
        }
    }

    private static void requireSameBody(TransactionRecord stored, String definition, TransRequest req) {
        if (stored.isRemoved()) {
            throw RequestException.invalid("gid " + req.gid() + " was used by a transaction that ended "
                    + stored.status().wire() + " and was removed after the store's retention; a gid runs once: use a "
                    + "new gid (GET /api/dtmsvr/newGid) for a new saga");
        }
        if (!stored.definition().equals(definition)) {
            // 400, not 409: on submit, 409 means "the saga failed", and reusing a gid is the caller's mistake
            throw RequestException.invalid("gid " + req.gid() + " already holds a different transaction; "
                    + "use a new gid (GET /api/dtmsvr/newGid) for a new saga");
        }
    }

    private static String requireGid(String gid) {
        String problem = Gids.problem(gid);
        if (problem != null) {
            throw RequestException.invalid(problem);
        }
        return gid;
    }

    private TransactionRecord find(String gid) {
        return store.find(gid).orElseThrow(() -> RequestException.notFound("no transaction with gid " + gid));
    }

    private static BranchStatus branchStatus(BranchState b) {
        return switch (b.phase()) {
            case SUCCEEDED -> BranchStatus.SUCCEEDED;
            case FAILED -> BranchStatus.FAILED;
            case PENDING, ATTEMPTED -> BranchStatus.PREPARED;
        };
    }

    private static TransView view(TransactionRecord r, TransRequest req) {
        return new TransView(r.gid(), r.transType(), r.status(), req.steps(), req.payloads(), time(r.createdAt()),
                time(r.updatedAt()), time(r.finishedAt()), time(r.nextDueAt()), r.owner(), r.reason(),
                req.customData());
    }

    private static String time(Long epochMs) {
        return epochMs == null ? null : Instant.ofEpochMilli(epochMs).toString();
    }
}
