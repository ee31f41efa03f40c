package dev.redsaga.server.engine;

import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.Outcome;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * How the engine calls a branch. The HTTP implementation lives in the http package; the simulator and tests script
 * their own.
 */
public interface BranchTransport {

    /**
     * Calls one branch and classifies its answer, without waiting for it. The future always completes, within the
     * request's {@code maxWaitMs} plus its timeout, and normally: trouble on the way (refused connection, timeout,
     * 5xx, not sent because its destination is busy) is {@link Outcome#TRANSIENT}.
     */
    CompletableFuture<Result> call(Request request);

    /**
     * @param url       the branch URL as submitted
     * @param gid       the global transaction id
     * @param transType {@code saga}, {@code tcc}, {@code msg} or {@code xa}
     * @param branchId  "01", "02", ...
     * @param op        the call's op as its type names it (action, compensate; confirm, cancel; commit, rollback;
     *                  msg for a back-check)
     * @param payload   the step's raw body
     * @param headers   the transaction's {@code branch_headers}
     * @param timeoutMs the transaction's {@code request_timeout}
     * @param attempt   answers this branch had before (0 for its first call; more is a retry)
     * @param maxWaitMs how long the call may wait to be sent (its destination busy) before it gives up unsent;
     *                  the caller's lease covers this wait and then the timeout
     * @param traceParent the W3C trace context the call descends from (the transaction's), or empty
     * @param traceState  its {@code tracestate}, or empty
     * @param failureEnds whether a FAILURE answer ends the branch (a saga's action, a message's back-check), or it is
     *                    called again until it succeeds (its transaction type's rule)
     */
    record Request(String url, String gid, String transType, String branchId, BranchOp op, String payload,
            Map<String, String> headers, long timeoutMs, int attempt, long maxWaitMs, String traceParent,
            String traceState, boolean failureEnds) {
    }

    /**
     * The classified answer and, for anything but success, a short description for operators.
     *
     * @param waited  the call was never sent after waiting its whole {@code maxWaitMs} for its destination: it did
     *                nothing anywhere and has already waited, so it is tried again soon without counting as an
     *                attempt (a call refused at once, by an open circuit or a spent retry budget, is an attempt and
     *                backs off)
     * @param notSent the coordinator itself did not send the call (its gate or its URL policy refused it): nothing
     *                was asked of the branch, so nothing of it is retried at once (not even under a retry limit)
     */
    record Result(Outcome outcome, String detail, boolean waited, boolean notSent) {
        public Result(Outcome outcome, String detail) {
            this(outcome, detail, false, false);
        }

        /** A call the coordinator did not send: refused by its own gate or policy, after waiting or not. */
        public static Result notSent(String detail, boolean waited) {
            return new Result(Outcome.TRANSIENT, detail, waited, true);
        }
    }
}
