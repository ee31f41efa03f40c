package dev.redsaga.server.engine;

/**
 * One call the engine decided to make: the action or the compensation of step {@code step} (0-based) — for a TCC
 * transaction, the confirm or the cancel of its branch; for XA, its commit or rollback — or a prepared message's
 * back-check, {@link #QUERY_PREPARED}.
 */
public record BranchCall(int step, boolean compensating) {
    /** A prepared message's back-check: its {@code query_prepared} URL, asked whether the local transaction committed. */
    public static final BranchCall QUERY_PREPARED = new BranchCall(-1, false);
    /** The branch id DTM gives the back-check (and the barrier row of the message's local transaction). */
    public static final String QUERY_PREPARED_BRANCH_ID = "00";

    public boolean isQueryPrepared() {
        return step < 0;
    }
}
