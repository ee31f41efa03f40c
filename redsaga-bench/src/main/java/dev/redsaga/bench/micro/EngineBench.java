package dev.redsaga.bench.micro;

import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.engine.Backoff;
import dev.redsaga.server.engine.BranchCall;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.engine.Plan;
import dev.redsaga.server.engine.SagaDefinition;
import dev.redsaga.server.engine.SagaMachine;
import dev.redsaga.server.engine.SagaProgress;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** The engine without I/O: a submit body validated into a definition, and a two-step saga run to its end. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EngineBench {
    final EngineOptions options = EngineOptions.defaults();
    final SagaMachine machine = new SagaMachine(new Backoff(options.retryCapMs(), new Random(7)));
    final TransRequest submit = Fixtures.SUBMIT;
    final SagaDefinition definition = SagaDefinition.parse(submit, options);

    @Benchmark
    public SagaDefinition parseDefinition() {
        return SagaDefinition.parse(submit, options);
    }

    /** plan → started → answered, step by step, until the machine says Finish. */
    @Benchmark
    public Plan twoStepSagaToItsEnd() {
        SagaProgress p = SagaProgress.initial(2);
        Plan plan;
        while ((plan = machine.plan(definition, TransStatus.SUBMITTED, p, 0, 0, Set.of())) instanceof Plan.Call c) {
            for (BranchCall call : c.calls()) {
                p = machine.answered(definition, machine.started(p, call), call, Outcome.SUCCESS, null, 0);
            }
        }
        return plan;
    }
}
