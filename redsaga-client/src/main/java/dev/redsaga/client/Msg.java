package dev.redsaga.client;

import dev.redsaga.client.barrier.BranchBarrier;
import dev.redsaga.client.barrier.JdbcBarrier;
import dev.redsaga.protocol.AbortRequest;
import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.SagaStep;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.TransType;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * A 2-phase message (DTM's {@code msg}, the transactional outbox): branches the coordinator calls, each until it
 * succeeds, once the local transaction that decides the message has committed — and never if it did not.
 * Built by {@link RedsagaClient#msg}; not thread-safe.
 *
 * <pre>{@code
 * JdbcBarrier barrier = JdbcBarrier.detect(dataSource);              // once
 * Outcome o = client.msg(gid)
 *         .add("http://127.0.0.1:8082/credit/add", "{\"user\":7,\"amount\":30}")
 *         .doAndSubmitDb("http://127.0.0.1:8081/orders/query-prepared", dataSource, barrier, tx -> {
 *             tx.prepareStatement("INSERT INTO orders ...").executeUpdate();
 *             return Outcome.SUCCESS;                    // commit, then the credit is sent
 *         });
 * }</pre>
 *
 * The query-prepared URL is the caller's own endpoint, answered by {@link JdbcBarrier#queryPrepared}: the coordinator
 * asks it when the submit does not come (the process died between its commit and the submit, say).
 */
public final class Msg {
    private final RedsagaClient client;
    private final String gid;
    private final List<SagaStep> steps = new ArrayList<>();
    private final List<String> payloads = new ArrayList<>();
    private Long delaySeconds;
    private Long timeoutToFailSeconds;
    private boolean concurrent;
    private String queryPrepared;

    Msg(RedsagaClient client, String gid) {
        this.client = client;
        this.gid = gid;
    }

    public String gid() {
        return gid;
    }

    /**
     * A branch: {@code actionUrl} is called with {@code body} (JSON) until it succeeds. A {@code topic://name} instead
     * of a URL sends it to every subscriber of the topic (see {@link RedsagaClient#subscribe}), each a branch.
     */
    public Msg add(String actionUrl, String body) {
        if (actionUrl == null || actionUrl.isEmpty()) {
            throw new IllegalArgumentException("actionUrl is required");
        }
        steps.add(new SagaStep(actionUrl, null));
        payloads.add(body == null ? "" : body);
        return this;
    }

    /** Call the branches no sooner than {@code delay} after the message was created (whole seconds). */
    public Msg delay(Duration delay) {
        this.delaySeconds = wholeSeconds(delay, "delay");
        return this;
    }

    /**
     * How long a prepared message waits for its submit before the coordinator asks query-prepared (whole seconds;
     * the coordinator's default is 35 s).
     */
    public Msg timeoutToFail(Duration timeout) {
        this.timeoutToFailSeconds = wholeSeconds(timeout, "timeoutToFail");
        return this;
    }

    /** Call all branches at once rather than one after the other. */
    public Msg concurrent() {
        this.concurrent = true;
        return this;
    }

    /**
     * Stores the message as prepared: nothing is called until {@link #submit}; if the submit does not come within
     * its timeout, the coordinator asks {@code queryPreparedUrl} whether the local transaction committed.
     */
    public void prepare(String queryPreparedUrl) {
        if (queryPreparedUrl == null || queryPreparedUrl.isEmpty()) {
            throw new IllegalArgumentException("queryPreparedUrl is required to prepare a message");
        }
        this.queryPrepared = queryPreparedUrl;
        client.post("prepare", request(), false);
    }

    /** Submits the message: the coordinator calls every branch until it succeeds. Without a prepare, at once. */
    public void submit() {
        client.post("submit", request(), false);
    }

    /**
     * Prepares the message, runs {@code business} in a local transaction on {@code dataSource} behind {@code barrier}
     * (the one that answers the query-prepared endpoint), and submits the message if it committed or aborts it if
     * not. If the outcome of the commit is unknown (the database failed), it asks the barrier whether the
     * transaction committed — which also settles it for good — and submits or aborts accordingly; if even that
     * fails, the message stays prepared and the coordinator's back-check settles it.
     *
     * @return SUCCESS: committed, message submitted; otherwise what {@code business} answered (or FAILURE when the
     *     coordinator's back-check came first): rolled back, message aborted
     * @throws SQLException what the database threw, after the message was settled as far as possible
     * @throws RedsagaException when the submit after a commit failed: the message is sent all the same, once the
     *     coordinator's back-check finds the commit
     */
    public Outcome doAndSubmitDb(String queryPreparedUrl, DataSource dataSource, JdbcBarrier barrier,
            JdbcBarrier.Business business) throws SQLException {
        prepare(queryPreparedUrl);
        Outcome outcome;
        try (Connection c = dataSource.getConnection()) {
            outcome = barrier.call(c, new BranchBarrier(TransType.MSG.wire(), gid, "00", BranchOp.MSG), business);
        } catch (Throwable e) { // rolled back by the barrier, or committed with the answer lost: ask, then settle
            settleAfter(e, barrier, dataSource);
            throw e;
        }
        if (outcome == Outcome.SUCCESS) {
            submit();
        } else {
            abort();
        }
        return outcome;
    }

    /** After a failed local transaction whose commit may or may not have happened: ask the barrier, settle. */
    private void settleAfter(Throwable failure, JdbcBarrier jdbc, DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            if (jdbc.queryPrepared(c, gid) == Outcome.SUCCESS) {
                submit();
            } else {
                abort();
            }
        } catch (SQLException | RuntimeException e) {
            failure.addSuppressed(e); // still prepared: the coordinator's back-check settles it
        }
    }

    private void abort() {
        client.post("abort", gid, new AbortRequest(gid, TransType.MSG.wire(), null), false);
    }

    private TransRequest request() {
        String custom = delaySeconds == null ? null : "{\"delay\":" + delaySeconds + "}";
        return new TransRequest(gid, TransType.MSG.wire(), List.copyOf(steps), List.copyOf(payloads), null,
                timeoutToFailSeconds, null, null, null, null, concurrent ? Boolean.TRUE : null, custom, queryPrepared);
    }

    private static long wholeSeconds(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero() || d.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException(name + " must be a positive whole number of seconds, was " + d);
        }
        return d.toSeconds();
    }
}
