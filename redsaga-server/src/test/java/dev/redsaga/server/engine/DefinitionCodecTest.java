package dev.redsaga.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redsaga.protocol.SagaStep;
import dev.redsaga.protocol.TransRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The stored form of a definition: read back exactly as accepted, never validated again, versioned; definitions
 * stored by earlier versions (the wire request) still load.
 */
class DefinitionCodecTest {
    static final EngineOptions OPTIONS = EngineOptions.defaults();

    @Test
    void aDefinitionReadsBackAsItWasStored() {
        TransRequest req = new TransRequest("g-1", "saga", List.of(new SagaStep("http://a/1", "http://a/1-undo"),
                new SagaStep("http://b/2", null), new SagaStep("http://c/3", "http://c/3-undo")),
                List.of("{\"n\":1}", "", "x"), true, 30L, 2L, 1L, 4L, Map.of("X-Tenant", "blue"), true,
                "{\"orders\":{\"2\":[0,1]},\"concurrent\":true}");
        SagaDefinition def = SagaDefinition.parse(req, OPTIONS);
        String stored = DefinitionCodec.encode(def);
        assertThat(stored).startsWith("{\"v\":1,");
        assertThat(DefinitionCodec.decode(stored, OPTIONS)).isEqualTo(def);
    }

    @Test
    void aStoredDefinitionIsNotValidatedAgain() {
        // a request timeout today's validation refuses (over 365 days): accepted once, it runs as accepted
        String stored = "{\"v\":1,\"gid\":\"g-2\",\"steps\":[{\"b\":\"01\",\"a\":\"http://a/1\",\"c\":\"\",\"p\":\"\"}],"
                + "\"o\":{\"ttf\":0,\"rt\":40000000000,\"ri\":1000,\"rl\":0,\"h\":{},\"cc\":false}}";
        SagaDefinition def = DefinitionCodec.decode(stored, OPTIONS);
        assertThat(def.options().requestTimeoutMs()).isEqualTo(40_000_000_000L);
        assertThat(def.predecessors()).containsExactly(List.of());
    }

    @Test
    void aDefinitionStoredByAnEarlierVersionStillLoads() {
        String wire = "{\"gid\":\"g-3\",\"trans_type\":\"saga\",\"steps\":[{\"action\":\"http://a/1\","
                + "\"compensate\":\"http://a/1-undo\"}],\"payloads\":[\"{}\"],\"request_timeout\":5}";
        SagaDefinition def = DefinitionCodec.decode(wire, OPTIONS);
        assertThat(def.gid()).isEqualTo("g-3");
        assertThat(def.options().requestTimeoutMs()).isEqualTo(5_000);
        assertThat(def.steps().getFirst().compensate()).isEqualTo("http://a/1-undo");
    }

    @Test
    void aFormatFromANewerVersionIsAClearError() {
        assertThatThrownBy(() -> DefinitionCodec.decode("{\"v\":3,\"gid\":\"g\"}", OPTIONS))
                .hasMessageContaining("format 3").hasMessageContaining("reads formats 1 and 2");
        assertThatThrownBy(() -> DefinitionCodec.decode("{\"v\":2,\"t\":\"workflow\",\"gid\":\"g\"}", OPTIONS))
                .hasMessageContaining("type workflow");
    }

    /**
     * A TCC definition keeps its type and its registered branches; it is written as format 2, which a build that
     * reads only format 1 refuses instead of running it as a saga. A saga stays format 1.
     */
    @Test
    void aTccDefinitionRoundTripsAsFormatTwo() {
        SagaDefinition tcc = SagaDefinition.parse(new dev.redsaga.protocol.TransRequest("t-1", "tcc", null, null, null,
                null, null, null, null, null, null, null), OPTIONS);
        String empty = DefinitionCodec.encode(tcc);
        assertThat(empty).contains("\"v\":2").contains("\"t\":\"tcc\"");
        assertThat(DefinitionCodec.decode(empty, OPTIONS)).isEqualTo(tcc);
        SagaDefinition two = tcc.withBranch("01", "http://a/c1", "http://a/x1", "{\"n\":1}")
                .withBranch("02", "http://a/c2", "", "");
        assertThat(DefinitionCodec.decode(DefinitionCodec.encode(two), OPTIONS)).isEqualTo(two);
        assertThat(DefinitionCodec.encode(SagaMachineTest.saga(1, null, null, false, null))).contains("\"v\":1")
                .doesNotContain("\"t\"");
    }

    /**
     * A message keeps its query_prepared and delay (format 2); a saga is written exactly as before messages existed,
     * without either: an earlier version's stored saga must still equal its resubmit byte for byte.
     */
    @Test
    void aMessageKeepsItsBackCheckAndDelayAndASagaIsWrittenAsBefore() {
        SagaDefinition msg = SagaDefinition.parse(new TransRequest("m-1", "msg", List.of(new SagaStep("http://a/1", null)),
                List.of("{}"), null, 20L, null, null, null, null, null, "{\"delay\":3}", "http://a/qp"), OPTIONS);
        String stored = DefinitionCodec.encode(msg);
        assertThat(stored).contains("\"t\":\"msg\"").contains("\"qp\":\"http://a/qp\"").contains("\"dl\":3000");
        SagaDefinition back = DefinitionCodec.decode(stored, OPTIONS);
        assertThat(back).isEqualTo(msg);
        assertThat(back.options().queryPrepared()).isEqualTo("http://a/qp");
        assertThat(back.options().delayMs()).isEqualTo(3_000);
        assertThat(DefinitionCodec.encode(SagaMachineTest.saga(2, 10L, 3L, false, null)))
                .isEqualTo("{\"v\":1,\"gid\":\"g1\",\"steps\":[{\"b\":\"01\",\"a\":\"http://127.0.0.1/a0\",\"c\":"
                        + "\"http://127.0.0.1/u0\",\"p\":\"\"},{\"b\":\"02\",\"a\":\"http://127.0.0.1/a1\",\"c\":"
                        + "\"http://127.0.0.1/u1\",\"p\":\"\"}],\"o\":{\"ttf\":10000,\"rt\":3000,\"ri\":1000,\"rl\":3,"
                        + "\"h\":{},\"cc\":false}}");
    }
}
