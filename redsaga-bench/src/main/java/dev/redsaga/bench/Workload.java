package dev.redsaga.bench;

/** What the load generator repeats: one unit of work, run to its end (a saga to its final state). */
public interface Workload extends AutoCloseable {

    /** Runs one unit; throws if it did not end as expected (counted as an error). */
    void runOne() throws Exception;

    /** Store round trips made so far by the coordinator (0 when there is none). */
    default long storeRoundTrips() {
        return 0;
    }

    @Override
    void close();
}
