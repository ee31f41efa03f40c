package dev.redsaga.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.redsaga.protocol.Gids;
import dev.redsaga.protocol.SagaCustomData;
import dev.redsaga.protocol.SagaStep;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.WireJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A saga being described: steps in order, each an action and its compensation, and options. {@link #submit()}
 * sends it. Not thread-safe; make one per saga.
 *
 * <p>A concurrent saga runs every step whose predecessors succeeded at once:
 * <pre>{@code
 * client.saga(gid)
 *       .step(a, aUndo, payload).step(b, bUndo, payload).step(c, cUndo, payload)
 *       .concurrent()
 *       .dependsOn(2, 0, 1)   // step 2 after steps 0 and 1 (0-based)
 *       .submit();
 * }</pre>
 */
public final class Saga {
    private final RedsagaClient client;
    private final String gid;
    private final List<SagaStep> steps = new ArrayList<>();
    private final List<String> payloads = new ArrayList<>();
    private final Map<Integer, List<Integer>> orders = new TreeMap<>();
    private final Map<String, String> headers = new LinkedHashMap<>();
    private boolean concurrent;
    private boolean waitResult;
    private Long timeoutToFail;
    private Long requestTimeout;
    private Long retryInterval;
    private Long retryLimit;

    Saga(RedsagaClient client, String gid) {
        String problem = Gids.problem(gid);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        this.client = client;
        this.gid = gid;
    }

    public String gid() {
        return gid;
    }

    /**
     * Adds a step.
     *
     * @param action     URL the coordinator POSTs to run the step
     * @param compensate URL it POSTs to undo it, or {@code null} if it needs no undo
     * @param payload    request body for both (JSON text), or {@code null} for none
     */
    public Saga step(String action, String compensate, String payload) {
        if (action == null || !(action.startsWith("http://") || action.startsWith("https://"))) {
            throw new IllegalArgumentException("step " + steps.size() + ": action must be an http(s) URL, was " + action);
        }
        if (compensate != null && !compensate.isEmpty()
                && !(compensate.startsWith("http://") || compensate.startsWith("https://"))) {
            throw new IllegalArgumentException("step " + steps.size() + ": compensate must be an http(s) URL, was "
                    + compensate);
        }
        steps.add(new SagaStep(action, compensate == null ? "" : compensate));
        payloads.add(payload == null ? "" : payload);
        return this;
    }

    /** Adds a step whose payload is {@code body} written as JSON. */
    public Saga step(String action, String compensate, Object body) {
        try {
            return step(action, compensate, WireJson.mapper().writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("step " + steps.size() + ": payload cannot be written as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** Runs steps in parallel, honouring {@link #dependsOn}; compensations run in reverse dependency order. */
    public Saga concurrent() {
        this.concurrent = true;
        return this;
    }

    /** Step {@code step} starts only after every step in {@code predecessors} succeeded (0-based indexes). */
    public Saga dependsOn(int step, int... predecessors) {
        checkIndex(step);
        List<Integer> list = orders.computeIfAbsent(step, k -> new ArrayList<>());
        for (int p : predecessors) {
            checkIndex(p);
            if (p == step) {
                throw new IllegalArgumentException("step " + step + " cannot depend on itself");
            }
            list.add(p);
        }
        return this;
    }

    /** Makes {@link #submit()} wait for the saga's first run and answer with its outcome. */
    public Saga waitResult() {
        this.waitResult = true;
        return this;
    }

    /** Abort the saga if its actions have not all succeeded this long after submit (whole seconds). */
    public Saga timeoutToFail(Duration d) {
        this.timeoutToFail = seconds(d, "timeoutToFail");
        return this;
    }

    /** Timeout of each branch call (whole seconds; default: the coordinator's, 3 s). */
    public Saga requestTimeout(Duration d) {
        this.requestTimeout = seconds(d, "requestTimeout");
        return this;
    }

    /** Base of the retry backoff (whole seconds; default: the coordinator's, 1 s). */
    public Saga retryInterval(Duration d) {
        this.retryInterval = seconds(d, "retryInterval");
        return this;
    }

    /** Abort after an action was retried this many times without success (default: retry forever). */
    public Saga retryLimit(int retries) {
        if (retries < 0) {
            throw new IllegalArgumentException("retryLimit must not be negative, was " + retries);
        }
        this.retryLimit = (long) retries;
        return this;
    }

    /** A header sent with every branch call of this saga. */
    public Saga branchHeader(String name, String value) {
        if (name == null || name.isBlank() || value == null) {
            throw new IllegalArgumentException("branch header name and value are required");
        }
        headers.put(name, value);
        return this;
    }

    /** The DTM-compatible request this saga is sent as. */
    public TransRequest toRequest() {
        if (steps.isEmpty()) {
            throw new IllegalStateException("saga " + gid + " has no steps: add at least one with step(...)");
        }
        String customData = null;
        if (concurrent) {
            Map<String, List<Integer>> o = new LinkedHashMap<>();
            orders.forEach((k, v) -> o.put(Integer.toString(k), List.copyOf(v)));
            try {
                customData = WireJson.mapper().writeValueAsString(new SagaCustomData(o, true, null));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else if (!orders.isEmpty()) {
            throw new IllegalStateException("dependsOn needs concurrent(): a sequential saga runs steps in order");
        }
        return new TransRequest(gid, TransRequest.TRANS_TYPE_SAGA, List.copyOf(steps), List.copyOf(payloads),
                waitResult ? Boolean.TRUE : null, timeoutToFail, requestTimeout, retryInterval, retryLimit,
                headers.isEmpty() ? null : Map.copyOf(headers), concurrent ? Boolean.TRUE : null, customData);
    }

    /**
     * Sends the saga. Returns once the coordinator stored it ({@link SubmitResult#SUCCESS}); with
     * {@link #waitResult()}, once its first run ended, with its outcome.
     *
     * @throws OutcomeUnknownException if it may have been stored all the same (no answer came back): query the
     *     gid or submit again with the same gid — never a new gid for the same purchase
     * @throws RedsagaException if the coordinator refused it (the message says why) or is unreachable
     */
    public SubmitResult submit() {
        return client.post("submit", toRequest(), waitResult);
    }

    /** Stores the saga as prepared: it runs only after {@link #submit()}. */
    public void prepare() {
        client.post("prepare", toRequest(), false);
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= steps.size()) {
            throw new IllegalArgumentException("step index " + i + " is out of range: add steps before dependsOn "
                    + "(there are " + steps.size() + ")");
        }
    }

    private static Long seconds(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero() || d.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException(name + " must be a positive whole number of seconds (the protocol's "
                    + "unit), was " + d);
        }
        return d.toSeconds();
    }
}
