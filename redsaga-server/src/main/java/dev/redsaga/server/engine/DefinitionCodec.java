package dev.redsaga.server.engine;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.TransType;
import dev.redsaga.protocol.WireJson;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The stored form of a saga's definition: the validated {@link SagaDefinition}, options resolved, under a format
 * version of its own — not the wire request. Reading it back does not validate again: a saga accepted once runs as
 * it was accepted, whatever later versions check at submit or whatever defaults the server is started with.
 *
 * <p>Format 1: {@code {"v":1,"gid":..,"steps":[{"b":"01","a":url,"c":url,"p":payload}],"o":{"ttf":ms,"rt":ms,
 * "ri":ms,"rl":n,"h":{..},"cc":bool},"pred":[[..]],"cd":custom_data}}, a saga. Format 2 adds the type,
 * {@code "t":"tcc"} or {@code "t":"msg"}, and for a message the options {@code "qp":query_prepared,"dl":delay_ms}
 * (either format may carry the W3C trace context of the request that created it, {@code "tp"} and {@code "ts"}, in
 * its options; absent when none, so a definition without one encodes as before): only types other than saga are written as format 2, so that a build that knows format 1 only
 * refuses them rather than run a TCC transaction as a saga. A definition without {@code "v"} was written by an
 * earlier version as the wire request; it is read as one (and validated, as it was then).
 */
public final class DefinitionCodec {
    static final int FORMAT = 1;
    /** The format of a definition whose type is not saga. */
    static final int TYPED_FORMAT = 2;
    private static final ObjectMapper MAPPER = WireJson.mapper();

    private DefinitionCodec() {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    private record Stored(@JsonProperty("v") int v, @JsonProperty("t") String type, @JsonProperty("gid") String gid,
            @JsonProperty("steps") List<StoredStep> steps, @JsonProperty("o") StoredOptions options,
            @JsonProperty("pred") List<List<Integer>> predecessors, @JsonProperty("cd") String customData) {
    }

    private record StoredStep(@JsonProperty("b") String branchId, @JsonProperty("a") String action,
            @JsonProperty("c") String compensate, @JsonProperty("p") String payload,
            // absent unless sent to a topic: a definition of an earlier version encodes the same
            @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("tc") String topic) {
    }

    private record StoredOptions(@JsonProperty("ttf") long timeoutToFailMs, @JsonProperty("rt") long requestTimeoutMs,
            @JsonProperty("ri") long retryIntervalMs, @JsonProperty("rl") long retryLimit,
            @JsonProperty("h") Map<String, String> headers, @JsonProperty("cc") boolean concurrent,
            // absent unless set: a saga stored by an earlier version encodes the same, so its resubmit is recognised
            @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("qp") String queryPrepared,
            @JsonInclude(JsonInclude.Include.NON_DEFAULT) @JsonProperty("dl") long delayMs,
            @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("tp") String traceParent,
            @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("ts") String traceState) {
    }

    public static String encode(SagaDefinition def) {
        List<StoredStep> steps = new ArrayList<>(def.size());
        for (Step s : def.steps()) {
            steps.add(new StoredStep(s.branchId(), s.action(), s.compensate(), s.payload(),
                    s.topic().isEmpty() ? null : s.topic()));
        }
        SagaOptions o = def.options();
        boolean anyPredecessor = def.predecessors().stream().anyMatch(p -> !p.isEmpty());
        boolean saga = def.type() == TransType.SAGA;
        Stored stored = new Stored(saga ? FORMAT : TYPED_FORMAT, saga ? null : def.type().wire(), def.gid(), steps,
                new StoredOptions(o.timeoutToFailMs(), o.requestTimeoutMs(),
                o.retryIntervalMs(), o.retryLimit(), o.branchHeaders(), o.concurrent(),
                o.queryPrepared().isEmpty() ? null : o.queryPrepared(), o.delayMs(),
                o.traceParent().isEmpty() ? null : o.traceParent(), o.traceState().isEmpty() ? null : o.traceState()),
                anyPredecessor ? def.predecessors() : null, def.customData());
        try {
            return MAPPER.writeValueAsString(stored);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Whether two definitions are the same transaction, whatever trace context each was sent with (a client's retry
     * is a new span: still the same transaction).
     */
    public static boolean sameButForTrace(SagaDefinition a, SagaDefinition b) {
        return encode(a.withTrace("", "")).equals(encode(b.withTrace("", "")));
    }

    /**
     * Reads a stored definition back as it was stored.
     *
     * @param legacyDefaults the defaults to resolve a definition of an earlier version with (see the class comment)
     */
    public static SagaDefinition decode(String stored, EngineOptions legacyDefaults) {
        try {
            // one parse on the common path; a legacy row (no "v": the wire request) is read a second time
            Stored s = MAPPER.readValue(stored, Stored.class);
            if (s.v() == 0) {
                return SagaDefinition.parse(MAPPER.readValue(stored, TransRequest.class), legacyDefaults);
            }
            if (s.v() != FORMAT && s.v() != TYPED_FORMAT) {
                throw new IllegalStateException("stored definition has format " + s.v() + "; this version of "
                        + "redsaga reads formats " + FORMAT + " and " + TYPED_FORMAT + " (a newer version wrote it?)");
            }
            TransType type = s.type() == null ? TransType.SAGA : TransType.fromWire(s.type());
            if (type == null) {
                throw new IllegalStateException("stored definition has type " + s.type() + ", which this version of "
                        + "redsaga does not run (a newer version wrote it?)");
            }
            List<StoredStep> storedSteps = s.steps() == null ? List.of() : s.steps();
            List<Step> steps = new ArrayList<>(storedSteps.size());
            for (StoredStep st : storedSteps) {
                steps.add(new Step(st.branchId(), st.action(), st.compensate() == null ? "" : st.compensate(),
                        st.payload() == null ? "" : st.payload(), st.topic() == null ? "" : st.topic()));
            }
            StoredOptions o = s.options();
            Map<String, String> headers = o.headers() == null ? Map.of()
                    : Collections.unmodifiableMap(new LinkedHashMap<>(o.headers()));
            SagaOptions options = new SagaOptions(o.timeoutToFailMs(), o.requestTimeoutMs(), o.retryIntervalMs(),
                    o.retryLimit(), headers, o.concurrent(), o.queryPrepared() == null ? "" : o.queryPrepared(),
                    o.delayMs(), o.traceParent() == null ? "" : o.traceParent(),
                    o.traceState() == null ? "" : o.traceState());
            List<List<Integer>> preds = new ArrayList<>(steps.size());
            for (int i = 0; i < steps.size(); i++) {
                preds.add(s.predecessors() == null ? List.of() : List.copyOf(s.predecessors().get(i)));
            }
            return new SagaDefinition(s.gid(), type, List.copyOf(steps), options, List.copyOf(preds), s.customData());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("stored definition is not readable", e);
        }
    }
}
