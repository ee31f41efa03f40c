package dev.redsaga.server.engine;

import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.Outcome;
import java.util.Map;

/** How the engine calls a branch. The HTTP implementation lives in the http package; tests may script one. */
public interface BranchTransport {

    /**
     * Calls one branch and classifies its answer. Never throws for trouble on the way (refused connection,
     * timeout, 5xx): that is {@link Outcome#TRANSIENT}.
     */
    Result call(Request request);

    /**
     * @param url       the branch URL as submitted
     * @param gid       the global transaction id
     * @param transType {@code saga}
     * @param branchId  "01", "02", ...
     * @param op        action or compensate
     * @param payload   the step's raw body
     * @param headers   the transaction's {@code branch_headers}
     * @param timeoutMs the transaction's {@code request_timeout}
     */
    record Request(String url, String gid, String transType, String branchId, BranchOp op, String payload,
            Map<String, String> headers, long timeoutMs) {
    }

    /** The classified answer and, for anything but success, a short description for operators. */
    record Result(Outcome outcome, String detail) {
    }
}
