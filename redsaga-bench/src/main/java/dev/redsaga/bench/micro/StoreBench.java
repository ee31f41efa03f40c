package dev.redsaga.bench.micro;

import dev.redsaga.protocol.Gids;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.config.StoreFactory;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The store's two round trips of a happy saga — the insert on submit and the compare-and-set to its final state
 * — one caller at a time, so the figure is the latency of the store call itself (for Redis: the Lua scripts;
 * Redis must be running on 127.0.0.1:6379).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class StoreBench {
    @Param({"h2:mem:jmh", "redis://127.0.0.1:6379?prefix=rsjmh&retention=600"})
    public String store;

    TransactionStore s;
    static final String DEFINITION = "{\"gid\":\"g\",\"trans_type\":\"saga\",\"steps\":[{\"action\":"
            + "\"http://127.0.0.1:8081/a\",\"compensate\":\"http://127.0.0.1:8081/b\"}],\"payloads\":[\"{}\"]}";

    @Setup
    public void open() {
        s = StoreFactory.open(store);
    }

    @TearDown
    public void close() {
        s.close();
    }

    @Benchmark
    public boolean insertThenFinish() {
        long now = System.currentTimeMillis();
        TransactionRecord r = new TransactionRecord(Gids.newGid(), "saga", TransStatus.SUBMITTED, DEFINITION,
                "{}", 1, "jmh", now + 60_000, now, now, null, null);
        s.insertIfAbsent(r);
        return s.compareAndSet(r.next(TransStatus.SUCCEEDED, "{}", null, null, now, null));
    }
}
