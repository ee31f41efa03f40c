package dev.redsaga.client.barrier;

import dev.redsaga.protocol.BranchDeadline;
import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.Gids;
import java.util.Map;

/**
 * The identity of one branch request, as the coordinator sends it in the query string:
 * {@code ?gid=..&trans_type=saga&branch_id=01&op=action}. The barrier keys its rows by it. Given the request's
 * {@value BranchDeadline#HEADER} header ({@link #from(Map, String)}), the barrier refuses a request whose caller
 * has stopped waiting before it touches the database ({@link DeadlineExceededException}).
 *
 * @param deadline epoch milliseconds after which the coordinator no longer waits, or {@link BranchDeadline#NONE}
 */
public record BranchBarrier(String transType, String gid, String branchId, BranchOp op, long deadline) {

    public BranchBarrier {
        require(transType, "trans_type");
        String gidProblem = Gids.problem(gid);
        if (gidProblem != null) {
            throw new IllegalArgumentException(gidProblem);
        }
        require(branchId, "branch_id");
        if (branchId.length() > 128) {
            // DTM's barrier table's width
            throw new IllegalArgumentException("branch_id is longer than 128 characters");
        }
        if (op == null) {
            throw new IllegalArgumentException("op is required: action, compensate, try, confirm or cancel");
        }
    }

    /** A request without a deadline. */
    public BranchBarrier(String transType, String gid, String branchId, BranchOp op) {
        this(transType, gid, branchId, op, BranchDeadline.NONE);
    }

    /** Whether the coordinator has stopped waiting for this request's answer. */
    public boolean deadlinePassed() {
        return BranchDeadline.passed(deadline, System.currentTimeMillis());
    }

    public static BranchBarrier of(String transType, String gid, String branchId, String op) {
        require(op, "op");
        return new BranchBarrier(transType, gid, branchId, BranchOp.fromWire(op));
    }

    /** From the branch request's decoded query parameters; a missing or invalid one is an IllegalArgumentException. */
    public static BranchBarrier from(Map<String, String> query) {
        return of(query.get("trans_type"), query.get("gid"), query.get("branch_id"), query.get("op"));
    }

    /**
     * From the query parameters and the value of the request's {@value BranchDeadline#HEADER} header (null when
     * absent, as from callers other than redsaga: then no deadline).
     */
    public static BranchBarrier from(Map<String, String> query, String deadlineHeader) {
        BranchBarrier b = from(query);
        return new BranchBarrier(b.transType, b.gid, b.branchId, b.op, BranchDeadline.parse(deadlineHeader));
    }

    private static void require(String v, String name) {
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("query parameter " + name + " is required in a branch request");
        }
    }
}
