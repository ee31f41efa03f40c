package dev.redsaga.bench.micro;

import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.WireJson;
import dev.redsaga.server.engine.BranchCall;
import dev.redsaga.server.engine.ProgressCodec;
import dev.redsaga.server.engine.SagaProgress;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * JSON on the hot path of one saga: the submit body read by the coordinator (and written by a client), the
 * progress written with the final state, and a branch answer classified.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class JsonBench {
    final TransRequest submit = Fixtures.SUBMIT;
    final byte[] submitBytes;
    final SagaProgress finished;
    final String finishedJson;
    String branchAnswer = "{\"dtm_result\":\"SUCCESS\"}"; // a field, so the JIT cannot fold the call away

    public JsonBench() {
        try {
            submitBytes = WireJson.mapper().writeValueAsBytes(submit);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        SagaProgress p = SagaProgress.initial(2);
        for (int i = 0; i < 2; i++) {
            p = p.with(new BranchCall(i, false), new dev.redsaga.server.engine.BranchState(
                    dev.redsaga.server.engine.BranchState.Phase.SUCCEEDED, 1, 0, null));
        }
        finished = p;
        finishedJson = ProgressCodec.encode(p);
    }

    @Benchmark
    public TransRequest readSubmitBody() throws Exception {
        return WireJson.mapper().readValue(submitBytes, TransRequest.class);
    }

    @Benchmark
    public byte[] writeSubmitBody() throws Exception {
        return WireJson.mapper().writeValueAsBytes(submit);
    }

    @Benchmark
    public String encodeProgress() {
        return ProgressCodec.encode(finished);
    }

    @Benchmark
    public SagaProgress decodeProgress() {
        return ProgressCodec.decode(finishedJson);
    }

    @Benchmark
    public Outcome classifyBranchAnswer() {
        return Outcome.classify(200, branchAnswer);
    }
}
