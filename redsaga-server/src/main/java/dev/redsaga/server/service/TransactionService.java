package dev.redsaga.server.service;

import dev.redsaga.protocol.BranchRegistration;
import dev.redsaga.protocol.Gids;
import dev.redsaga.protocol.ListReply;
import dev.redsaga.protocol.QueryReply;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.TransType;
import dev.redsaga.protocol.TransView;
import dev.redsaga.server.config.BranchUrlPolicy;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.BranchCall;
import dev.redsaga.server.engine.CommandRefusedException;
import dev.redsaga.server.engine.InvalidTransactionException;
import dev.redsaga.server.engine.SagaDefinition;
import dev.redsaga.server.engine.SagaEngine;
import dev.redsaga.server.engine.Step;
import dev.redsaga.server.engine.SubmitResult;
import dev.redsaga.server.engine.kind.TransactionKind;
import dev.redsaga.server.engine.kind.TransactionKinds;
import dev.redsaga.server.store.ListFilter;
import dev.redsaga.server.store.ListPosition;
import dev.redsaga.server.store.StoreException;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import dev.redsaga.server.store.TransactionSummary;
import dev.redsaga.server.tracing.TraceContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The coordinator's operations, one method per protocol endpoint (DTM's svcSubmit, svcPrepare, ...): validates the
 * request, hands the command to the engine, and renders views. Transport independent: the HTTP layer maps requests
 * here and {@link RequestException}s — the only exceptions it sees — to status codes.
 */
public final class TransactionService {
    /** The most a page of {@code all} may weigh in JSON bytes; a page is cut short beyond it. */
    static final long LIST_BYTE_BUDGET = 1 << 20;
    /** The longest {@code rollback_reason} kept; a longer one is cut. */
    static final int MAX_REASON = 1_000;

    private final TransactionStore store;
    private final SagaEngine engine;
    private final BranchUrlPolicy branches;
    private final int maxTransactionBytes;
    private final TopicService topics;

    public TransactionService(TransactionStore store, SagaEngine engine, BranchUrlPolicy branches) {
        this(store, engine, branches, ServerConfig.DEFAULT_MAX_REQUEST_BYTES);
    }

    /**
     * @param maxTransactionBytes the most a TCC transaction's registered branches may weigh together, as a saga's
     *                            whole request may (the server's {@code --max-request-bytes})
     */
    public TransactionService(TransactionStore store, SagaEngine engine, BranchUrlPolicy branches,
            int maxTransactionBytes) {
        this.store = store;
        this.engine = engine;
        this.branches = branches;
        this.maxTransactionBytes = maxTransactionBytes;
        this.topics = new TopicService(store, branches, java.time.InstantSource.system());
    }

    /** The topics messages are sent to, and their subscribers. */
    public TopicService topics() {
        return topics;
    }

    public String newGid() {
        return Gids.newGid();
    }

    /**
     * Validates the saga and hands it to the engine, which stores it, then drives it. A store error before the
     * insert is acknowledged is an error to the caller ({@link RequestException.Kind#UNAVAILABLE} when nothing was
     * written, {@link RequestException.Kind#OUTCOME_UNKNOWN} when the insert may have happened); once it is
     * acknowledged, no reply says it was not done.
     */
    public SubmitResult submit(TransRequest req) {
        return submit(req, TraceContext.NONE);
    }

    /** {@link #submit(TransRequest)}; the branch calls of a new transaction descend from {@code trace}. */
    public SubmitResult submit(TransRequest req, TraceContext trace) {
        boolean wait = Boolean.TRUE.equals(req.waitResult());
        TransType type = TransType.fromWire(req.transType());
        if (type != null && TransactionKinds.of(type).registersBranches()) {
            // prepared, its branches registered: submit confirms (commits) them
            String gid = requireGid(req.gid());
            return guarded(gid, "the submit", () -> engine.submitPrepared(gid, wait));
        }
        SagaDefinition def = parse(req).withTrace(trace.traceParent(), trace.traceState());
        return guarded(req.gid(), "the submit", () -> engine.submit(def, wait));
    }

    /**
     * Registers a branch of a prepared TCC transaction (its confirm and cancel URLs, under the same rules as a
     * saga's URLs, and its data) before the client calls its try.
     */
    public void registerBranch(BranchRegistration req) {
        String gid = requireGid(req.gid());
        // DTM's TCC clients send no trans_type with a registration
        TransType type = req.transType() == null || req.transType().isEmpty() ? TransType.TCC
                : TransType.fromWire(req.transType());
        TransactionKind kind = type == null ? null : TransactionKinds.of(type);
        if (kind == null || !kind.registersBranches()) {
            throw RequestException.invalid("trans_type '" + req.transType() + "' does not register branches here: "
                    + "registerBranch is for tcc and xa transactions");
        }
        TransactionKind.Registration fields = kind.registration();
        String confirm = fields.oneUrl() ? req.url() : req.confirm();
        String cancel = fields.oneUrl() ? req.url() : req.cancel();
        if (fields.oneUrl() && (confirm == null || confirm.isEmpty())) {
            throw RequestException.invalid(fields.confirmField() + " is required to register an " + type.wire()
                    + " branch: the coordinator calls it with op=" + kind.op(new BranchCall(0, false)).wire()
                    + " or op=" + kind.op(new BranchCall(0, true)).wire());
        }
        if (confirm != null && !confirm.isEmpty()) {
            checkBranchUrl(fields.confirmField(), confirm);
        }
        if (cancel != null && !cancel.isEmpty() && !fields.oneUrl()) {
            checkBranchUrl(fields.cancelField(), cancel);
        }
        guarded(gid, "the branch registration", () -> {
            try {
                engine.registerBranch(gid, req.branchId(), confirm, cancel, req.data(), maxTransactionBytes);
            } catch (InvalidTransactionException e) {
                throw RequestException.invalid(e.getMessage());
            }
            return null;
        });
    }

    /** Stores a saga as {@code prepared}: it runs only once submitted, and fails after {@code timeout_to_fail}. */
    public void prepare(TransRequest req) {
        prepare(req, TraceContext.NONE);
    }

    /** {@link #prepare(TransRequest)}; the transaction's branch calls descend from {@code trace}. */
    public void prepare(TransRequest req, TraceContext trace) {
        SagaDefinition def = parse(req).withTrace(trace.traceParent(), trace.traceState());
        try {
            def.kind().checkPrepare(def);
        } catch (InvalidTransactionException e) {
            throw RequestException.invalid(e.getMessage());
        }
        guarded(req.gid(), "the prepare", () -> {
            engine.prepare(def);
            return null;
        });
    }

    /**
     * Aborts a transaction: a prepared saga fails at once (nothing ran); a submitted one moves to aborting and
     * compensates; a prepared TCC transaction cancels its branches, a submitted one cannot be aborted. Aborting an
     * aborting or failed one is a no-op; a succeeded one cannot be aborted. {@code rollbackReason} (DTM's field) is
     * stored as the reason. Only an {@code operator} stops a submitted saga (DTM refuses it to everyone).
     */
    public void abort(String gidParam, String rollbackReason, boolean operator) {
        String gid = requireGid(gidParam);
        // stored, shown in queries and logged: one line, bounded
        String line = rollbackReason == null ? null : rollbackReason.replaceAll("\\p{Cntrl}", " ");
        String reason = line == null ? null : line.substring(0, Math.min(line.length(), MAX_REASON));
        guarded(gid, "the abort", () -> {
            engine.abort(gid, reason, operator);
            return null;
        });
    }

    /**
     * Stops a transaction where it is and marks it failed, without calling any branch: the operator's last
     * resort for a saga whose compensation can never succeed.
     */
    public void forceStop(String gidParam) {
        String gid = requireGid(gidParam);
        guarded(gid, "the forceStop", () -> {
            engine.forceStop(gid);
            return null;
        });
    }

    /** Whether the engine's background loops still run (see {@link SagaEngine#backgroundLoopsRunning}). */
    public boolean backgroundLoopsRunning() {
        return engine.backgroundLoopsRunning();
    }

    /** Whether the store answers a read now (the readiness probe). */
    public boolean storeAnswers() {
        try {
            store.find("redsaga-readiness-probe");
            return true;
        } catch (RuntimeException e) { // a StoreException, or a store failing in a way of its own: not ready
            return false;
        }
    }

    /** Why transaction {@code gid} failed (its stored reason), if it can be read now. */
    public Optional<String> failureReason(String gid) {
        try {
            return store.find(gid).map(TransactionRecord::reason);
        } catch (StoreException e) {
            return Optional.empty(); // the answer goes without it: the failure itself is known
        }
    }

    /**
     * "Retry now" (DTM's {@code resetNextCronTime}): a transaction waiting out a retry backoff is driven again
     * within the recovery poll interval; one being driven this moment is left alone.
     */
    public void retryNow(String gidParam) {
        String gid = requireGid(gidParam);
        guarded(gid, "the retry", () -> engine.retryNow(gid));
    }

    public QueryReply query(String gidParam) {
        String gid = requireGid(gidParam);
        Optional<TransactionRecord> found = guarded(gid, "the query", () -> store.find(gid));
        if (found.isEmpty()) {
            return QueryReply.NONE; // as DTM answers: its clients read "no such transaction" from it
        }
        return TransactionViews.of(engine.load(found.get()));
    }

    /**
     * DTM's {@code all}: one page of summaries, newest first, and the position of the next page ({@code ""} at the
     * end, as DTM sends it). With a gid, that transaction alone (or none), whatever the other conditions.
     */
    public ListReply list(ListQuery q) {
        int n = q.limit() == null ? 100 : q.limit();
        if (n < 1 || n > 1000) {
            throw RequestException.invalid("limit must be between 1 and 1000, was " + n);
        }
        if (q.gid() != null && !q.gid().isEmpty()) {
            String gid = requireGid(q.gid());
            Optional<TransactionRecord> r = guarded(gid, "the listing", () -> store.find(gid));
            return new ListReply(r.map(TransactionSummary::of).map(TransactionViews::summary).map(List::of)
                    .orElse(List.of()), "");
        }
        ListFilter filter = q.filter();
        TransactionStore.Page page;
        try {
            page = guarded(null, "the listing", () -> store.list(filter, q.position(), n));
        } catch (IllegalArgumentException e) {
            throw RequestException.invalid(e.getMessage());
        }
        // summaries (no steps, payloads or custom_data: query one gid for those), within a byte budget per page
        List<TransView> views = new ArrayList<>(page.records().size());
        String next = page.nextPosition();
        long bytes = 0;
        for (TransactionSummary r : page.records()) {
            TransView v = TransactionViews.summary(r);
            bytes += TransactionViews.maxJsonSize(r);
            if (bytes > LIST_BYTE_BUDGET && !views.isEmpty()) {
                next = ListPosition.after(page.records().get(views.size() - 1));
                break;
            }
            views.add(v);
        }
        return new ListReply(views, next == null ? "" : next);
    }

    /**
     * Runs a service call, turning a store failure into what the caller must be told: nothing was done, or —
     * when a write reached the store and no answer came back — that it may have been done.
     */
    private static <T> T guarded(String gid, String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (CommandRefusedException e) {
            throw switch (e.reason()) {
                // 400, not 409: on submit, 409 means "the saga failed", and reusing a gid is the caller's mistake
                case GID_TAKEN -> RequestException.invalid(e.getMessage());
                case CONFLICT -> RequestException.conflict(e.getMessage());
                case NOT_FOUND -> RequestException.notFound(e.getMessage());
                case BUSY -> RequestException.busy(e.getMessage());
            };
        } catch (StoreException e) {
            throw RequestException.ofStore(e, what + " of " + gid, "query the gid (GET /api/dtmsvr/query?gid=" + gid
                    + "), or send the same request again with the same gid (a gid runs once)");
        }
    }

    /** The request as a definition, its topics resolved to their subscribers as they stand now (as DTM does). */
    private SagaDefinition parse(TransRequest req) {
        SagaDefinition def;
        try {
            def = SagaDefinition.parse(req, engine.options()).withSubscribers(topics::subscribers);
        } catch (InvalidTransactionException e) {
            throw RequestException.invalid(e.getMessage());
        }
        for (int i = 0; i < def.size(); i++) {
            Step s = def.steps().get(i);
            if (s.hasAction()) {
                checkBranchUrl(s.topic().isEmpty() ? "steps[" + i + "].action"
                        : "the url of topic " + s.topic() + "'s subscriber", s.action());
            }
            if (s.hasCompensation()) {
                checkBranchUrl("steps[" + i + "].compensate", s.compensate());
            }
        }
        if (!def.options().queryPrepared().isEmpty()) {
            checkBranchUrl("query_prepared", def.options().queryPrepared());
        }
        return def;
    }

    private void checkBranchUrl(String field, String url) {
        String problem = branches.problemAtSubmit(url);
        if (problem != null) {
            throw RequestException.invalid(field + " '" + url + "' " + problem + "; the coordinator does not call it "
                    + "(docs/security.md: branch URLs)");
        }
    }

    private static String requireGid(String gid) {
        String problem = Gids.problem(gid);
        if (problem != null) {
            throw RequestException.invalid(problem);
        }
        return gid;
    }
}
