package dev.redsaga.client;

import dev.redsaga.protocol.BranchIds;
import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.TransType;

/**
 * An XA transaction being run by {@link RedsagaClient#xa}: each {@link #callBranch} calls a branch, which runs its
 * local work as a prepared XA transaction and registers itself with the coordinator. Not thread-safe: call the
 * branches one after the other.
 */
public final class Xa {
    /** What an XA transaction does: call its branches. Throwing aborts it. */
    @FunctionalInterface
    public interface Body {
        void run(Xa xa) throws Exception;
    }

    private final RedsagaClient client;
    private final String gid;
    private int branches;

    Xa(RedsagaClient client, String gid) {
        this.client = client;
        this.gid = gid;
    }

    public String gid() {
        return gid;
    }

    /**
     * Calls a branch with {@code body}: POST, with {@code gid}, {@code trans_type=xa}, {@code branch_id} (01, 02, ...
     * in call order) and {@code op=action} in the query, as DTM's clients do.
     *
     * @return the branch's answer body
     * @throws BranchRefusedException when it answered anything but success (the transaction is then aborted)
     */
    public String callBranch(String body, String url) {
        String branchId = BranchIds.of(branches++);
        return client.callBranch(gid, TransType.XA, branchId, BranchOp.ACTION, url, body,
                (status, message) -> new BranchRefusedException(gid, branchId, status, "the branch " + message));
    }

    /** A branch that did not succeed: its XA transaction is aborted. */
    public static final class BranchRefusedException extends RedsagaException {
        private final String branchId;

        BranchRefusedException(String gid, String branchId, int httpStatus, String message) {
            super(httpStatus, "xa " + gid + ", branch " + branchId + ": " + message, null);
            this.branchId = branchId;
        }

        public String branchId() {
            return branchId;
        }
    }
}
