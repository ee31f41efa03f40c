package dev.redsaga.server.engine;

import dev.redsaga.protocol.BranchIds;
import dev.redsaga.protocol.Gids;
import dev.redsaga.protocol.SagaCustomData;
import dev.redsaga.protocol.SagaStep;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.TransType;
import dev.redsaga.server.engine.kind.TransactionKind;
import dev.redsaga.server.engine.kind.TransactionKinds;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A validated transaction: its type, its steps, resolved options, for a concurrent saga each step's predecessors,
 * and the {@code custom_data} it was submitted with (shown back in queries). {@link #parse} is the one place a
 * submitted body is checked; every message names the field and the fix. Once stored, a definition is read back as
 * stored ({@link DefinitionCodec}), never validated again.
 *
 * <p>A TCC transaction is a saga whose steps are registered one by one while it is prepared ({@link #withBranch}):
 * a step's action is the branch's confirm, its compensation the branch's cancel, its payload the branch's data.
 * A message (msg) is a saga without compensations, with a {@code query_prepared} URL and an optional delay. An XA
 * transaction registers its branches as TCC does, each step's action and compensation the branch's one URL (called
 * with op commit and op rollback).
 */
public record SagaDefinition(String gid, TransType type, List<Step> steps, SagaOptions options,
        List<List<Integer>> predecessors, String customData) {
    /**
     * How long a TCC transaction or a message may stay prepared without a {@code timeout_to_fail} of its own before it
     * is cancelled or its {@code query_prepared} is asked (DTM's 35 s).
     */
    public static final long DEFAULT_PREPARED_TIMEOUT_MS = 35_000;
    /** Branches one transaction may have: DTM's two-digit branch ids. */
    public static final int MAX_STEPS = 99;
    private static final Pattern BRANCH_ID = Pattern.compile("[A-Za-z0-9_.:-]+");
    /** How a message step names a topic instead of a URL (DTM's {@code topic://}). */
    public static final String TOPIC_SCHEME = "topic://";
    private static final Pattern TOPIC_NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

    /** What this transaction's type does its own way. */
    public TransactionKind kind() {
        return TransactionKinds.of(type);
    }

    public int size() {
        return steps.size();
    }

    /** Validates a saga body and resolves its options against the engine defaults. */
    public static SagaDefinition parse(TransRequest r, EngineOptions defaults) {
        String gidProblem = Gids.problem(r.gid());
        if (gidProblem != null) {
            throw new InvalidTransactionException(gidProblem);
        }
        if (r.transType() == null || r.transType().isEmpty()) {
            throw new InvalidTransactionException("trans_type is required: use \"saga\", \"tcc\", \"msg\" or \"xa\"");
        }
        TransType type = TransType.fromWire(r.transType());
        if (type == null) {
            throw new InvalidTransactionException("trans_type '" + r.transType()
                    + "' is not supported: redsaga runs \"saga\", \"tcc\", \"msg\" and \"xa\" transactions");
        }
        TransactionKind kind = TransactionKinds.of(type);
        List<SagaStep> wireSteps = r.steps() == null ? List.of() : r.steps();
        kind.checkStepCount(wireSteps.size());
        if (wireSteps.size() > MAX_STEPS) {
            throw new InvalidTransactionException("steps has " + wireSteps.size() + " entries; at most " + MAX_STEPS
                    + " are allowed");
        }
        List<String> payloads = r.payloads() == null ? List.of() : r.payloads();
        if (wireSteps.stream().anyMatch(s -> s != null && s.data() != null)) {
            // DTM's older clients: each step's payload in steps[].data
            if (!payloads.isEmpty()) {
                throw new InvalidTransactionException("give the steps' payloads either in payloads or in "
                        + "steps[].data, not both");
            }
            payloads = wireSteps.stream().map(s -> s == null || s.data() == null ? "" : s.data()).toList();
        }
        if (!payloads.isEmpty() && payloads.size() != wireSteps.size()) {
            throw new InvalidTransactionException("payloads has " + payloads.size() + " entries but steps has "
                    + wireSteps.size() + ": give one payload per step");
        }
        List<Step> steps = new ArrayList<>(wireSteps.size());
        for (int i = 0; i < wireSteps.size(); i++) {
            SagaStep s = wireSteps.get(i);
            if (s == null) {
                throw new InvalidTransactionException("steps[" + i + "] is null: give {\"action\":url,\"compensate\":url}");
            }
            if (!kind.compensates() && s.compensate() != null && !s.compensate().isEmpty()) {
                throw new InvalidTransactionException("steps[" + i + "].compensate is set, but a " + type.wire()
                        + " has no "
                        + "compensation: each branch is called until it succeeds; leave compensate out");
            }
            if (s.action() != null && s.action().startsWith(TOPIC_SCHEME)) {
                String topic = s.action().substring(TOPIC_SCHEME.length());
                if (!kind.sendsToTopics()) {
                    throw new InvalidTransactionException("steps[" + i + "].action '" + s.action() + "': only a msg "
                            + "is sent to a topic's subscribers; give each branch's URL");
                }
                if (!isTopicName(topic)) {
                    throw new InvalidTransactionException("steps[" + i + "].action names the topic '"
                            + abbreviate(topic) + "', which is no valid topic name: 1-128 of A-Z a-z 0-9 _ . : -");
                }
                String payload = payloads.isEmpty() || payloads.get(i) == null ? "" : payloads.get(i);
                steps.add(new Step(branchId(i), s.action(), "", payload)); // resolved before it is stored
                continue;
            }
            // empty: nothing to call, as in DTM (an action succeeds at once, a compensation is skipped)
            String action = DefinitionChecks.checkUrl(s.action(), "steps[" + i + "].action");
            String compensate = DefinitionChecks.checkUrl(s.compensate(), "steps[" + i + "].compensate");
            String payload = payloads.isEmpty() || payloads.get(i) == null ? "" : payloads.get(i);
            steps.add(new Step(branchId(i), action, compensate, payload));
        }
        Map<String, String> headers = DefinitionChecks.branchHeaders(r.branchHeaders());
        SagaCustomData custom = DefinitionChecks.parseCustomData(r.customData());
        boolean concurrent = Boolean.TRUE.equals(r.concurrent())
                || (custom != null && Boolean.TRUE.equals(custom.concurrent()));
        List<List<Integer>> preds = DefinitionChecks.predecessors(custom, steps.size(), concurrent);
        if (custom != null && custom.orders() != null && !custom.orders().isEmpty()
                && steps.stream().anyMatch(Step::sentToTopic)) {
            throw new InvalidTransactionException("custom_data.orders cannot be combined with topic steps: a topic "
                    + "step becomes one branch per subscriber");
        }
        Long delay = custom == null ? null : custom.delay();
        if (delay != null && !kind.backChecked()) {
            throw new InvalidTransactionException("custom_data.delay is only meaningful for a msg");
        }
        String queryPrepared = kind.backChecked() ? DefinitionChecks.checkUrl(r.queryPrepared(), "query_prepared") : "";
        SagaOptions options = new SagaOptions(
                DefinitionChecks.seconds(r.timeoutToFail(), "timeout_to_fail", kind.defaultTimeoutToFailMs()),
                DefinitionChecks.requestTimeout(r.requestTimeout(), defaults),
                DefinitionChecks.seconds(r.retryInterval(), "retry_interval", defaults.defaultRetryIntervalMs()),
                DefinitionChecks.nonNegative(r.retryLimit(), "retry_limit"),
                headers,
                concurrent,
                queryPrepared,
                DefinitionChecks.seconds(delay, "custom_data.delay", 0),
                "", "");
        return new SagaDefinition(r.gid(), type, List.copyOf(steps), options, preds, r.customData());
    }

    /**
     * This transaction, its branch calls descending from the W3C trace context {@code traceParent}
     * ({@code traceState}); empty strings for none.
     */
    public SagaDefinition withTrace(String traceParent, String traceState) {
        return new SagaDefinition(gid, type, steps, options.withTrace(traceParent, traceState), predecessors,
                customData);
    }

    /**
     * This TCC or XA transaction with one more branch, checked as a submitted step is (XA: {@code confirm} and
     * {@code cancel} are the branch's one URL). Registering a branch id again with
     * the same URLs and data changes nothing (a client's retry).
     *
     * @throws InvalidTransactionException for a bad URL or branch id, a branch id registered with other URLs or
     *                                     data, or one branch too many
     */
    public SagaDefinition withBranch(String branchId, String confirm, String cancel, String data) {
        TransactionKind.Registration registration = kind().registration();
        if (registration == null) {
            throw new InvalidTransactionException("transaction " + gid + " is a " + type.wire()
                    + "; only a tcc or xa transaction registers branches");
        }
        if (branchId == null || branchId.isEmpty() || branchId.length() > 64
                || !BRANCH_ID.matcher(branchId).matches()) {
            throw new InvalidTransactionException("branch_id '" + branchId + "' is invalid: use 1-64 of A-Z a-z 0-9 "
                    + "_ . : - (DTM's clients send 01, 02, ...)");
        }
        Step step = new Step(branchId, DefinitionChecks.checkUrl(confirm, registration.confirmField()),
                DefinitionChecks.checkUrl(cancel, registration.cancelField()), data == null ? "" : data);
        for (Step s : steps) {
            if (s.branchId().equals(branchId)) {
                if (s.equals(step)) {
                    return this;
                }
                throw new InvalidTransactionException("branch " + branchId + " of " + gid + " is registered already "
                        + "with other URLs or data; give each branch its own branch_id");
            }
        }
        if (steps.size() >= MAX_STEPS) {
            throw new InvalidTransactionException("transaction " + gid + " has " + MAX_STEPS + " branches already; "
                    + "at most " + MAX_STEPS + " are allowed");
        }
        List<Step> more = new ArrayList<>(steps);
        more.add(step);
        List<List<Integer>> preds = new ArrayList<>(predecessors);
        preds.add(List.of());
        return new SagaDefinition(gid, type, List.copyOf(more), options, List.copyOf(preds), customData);
    }

    /** Whether {@code name} may name a topic: 1-128 of A-Z a-z 0-9 _ . : - (it needs no escaping anywhere). */
    public static boolean isTopicName(String name) {
        return name != null && TOPIC_NAME.matcher(name).matches();
    }

    /**
     * {@code url} if it is an http(s) URL with a host, or empty: the form every URL the coordinator calls must have
     * (whether it may call it is the branch URL policy's to say).
     *
     * @throws InvalidTransactionException naming {@code field}
     */
    public static String checkUrl(String url, String field) {
        return DefinitionChecks.checkUrl(url, field);
    }

    /** Whether a step still names a topic: its subscribers are not resolved yet ({@link #withSubscribers}). */
    public boolean namesTopics() {
        return steps.stream().anyMatch(Step::sentToTopic);
    }

    /**
     * This message with each step that names a topic replaced by one step per subscriber of the topic, as DTM does:
     * branch ids {@code 01-01}, {@code 01-02}, ... (just {@code 01} for a topic of one subscriber), each carrying the
     * step's payload and its topic's name.
     *
     * @param subscribers a topic's subscriber URLs, never empty (it refuses a topic that has none)
     * @throws InvalidTransactionException when the branches would be more than {@value #MAX_STEPS}
     */
    public SagaDefinition withSubscribers(java.util.function.Function<String, List<String>> subscribers) {
        if (!namesTopics()) {
            return this;
        }
        List<Step> resolved = new ArrayList<>();
        for (Step s : steps) {
            if (!s.sentToTopic()) {
                resolved.add(s);
                continue;
            }
            String topic = s.action().substring(TOPIC_SCHEME.length());
            List<String> urls = subscribers.apply(topic);
            for (int j = 0; j < urls.size(); j++) {
                String id = urls.size() == 1 ? s.branchId() : s.branchId() + "-" + BranchIds.of(j);
                resolved.add(new Step(id, urls.get(j), "", s.payload(), topic));
            }
        }
        if (resolved.size() > MAX_STEPS) {
            throw new InvalidTransactionException("the message's topics have " + resolved.size() + " subscribers "
                    + "with its other steps; a message has at most " + MAX_STEPS + " branches");
        }
        List<List<Integer>> preds = new ArrayList<>();
        for (int i = 0; i < resolved.size(); i++) {
            preds.add(List.of()); // topics and orders do not mix (parse refuses it)
        }
        return new SagaDefinition(gid, type, List.copyOf(resolved), options, List.copyOf(preds), customData);
    }

    /**
     * The steps as the client sent them: each topic's subscribers folded back into one step naming the topic. Two
     * sends of one message compare equal by these, whoever subscribed in between.
     */
    public List<Step> sentSteps() {
        List<Step> sent = new ArrayList<>();
        for (Step s : steps) {
            if (s.topic().isEmpty()) {
                sent.add(s);
                continue;
            }
            String id = s.branchId().contains("-") ? s.branchId().substring(0, s.branchId().indexOf('-'))
                    : s.branchId();
            Step folded = new Step(id, TOPIC_SCHEME + s.topic(), "", s.payload());
            if (sent.isEmpty() || !sent.getLast().equals(folded)) {
                sent.add(folded);
            }
        }
        return List.copyOf(sent);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    /** DTM's branch id of step {@code index} (0-based): "01", "02", ... */
    public static String branchId(int index) {
        return BranchIds.of(index);
    }









}
