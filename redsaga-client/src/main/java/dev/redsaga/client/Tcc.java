package dev.redsaga.client;

import dev.redsaga.protocol.BranchIds;
import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.BranchRegistration;
import dev.redsaga.protocol.TransType;

/**
 * A TCC transaction being run by {@link RedsagaClient#tcc}: each {@link #callBranch} registers a branch's confirm
 * and cancel with the coordinator, then calls its try. Not thread-safe: call the branches one after the other.
 */
public final class Tcc {
    /** What a TCC transaction does: call its branches' tries. Throwing aborts it. */
    @FunctionalInterface
    public interface Body {
        void run(Tcc tcc) throws Exception;
    }

    private final RedsagaClient client;
    private final String gid;
    private int branches;

    Tcc(RedsagaClient client, String gid) {
        this.client = client;
        this.gid = gid;
    }

    public String gid() {
        return gid;
    }

    /**
     * Registers a branch — its confirm and cancel URLs, called later by the coordinator with {@code body} — then
     * calls its try with {@code body} (POST, with {@code gid}, {@code trans_type=tcc}, {@code branch_id} and
     * {@code op=try} in the query, as DTM's clients do). The branch ids are 01, 02, ... in call order.
     *
     * @param body       the JSON body of the try, the confirm and the cancel
     * @param tryUrl     called now, by this client
     * @param confirmUrl called by the coordinator after the submit; empty: nothing to confirm
     * @param cancelUrl  called by the coordinator after an abort; empty: nothing to cancel
     * @return the try's answer body
     * @throws TryRefusedException when the try answered anything but success (the transaction is then aborted)
     */
    public String callBranch(String body, String tryUrl, String confirmUrl, String cancelUrl) {
        String branchId = BranchIds.of(branches++);
        client.registerBranch(new BranchRegistration(gid, TransType.TCC.wire(), branchId, body, confirmUrl,
                cancelUrl));
        return client.callBranch(gid, TransType.TCC, branchId, BranchOp.TRY, tryUrl, body,
                (status, message) -> new TryRefusedException(gid, branchId, status, "the try " + message));
    }

    /** A try that did not succeed: its TCC transaction is aborted. */
    public static final class TryRefusedException extends RedsagaException {
        private final String branchId;

        TryRefusedException(String gid, String branchId, int httpStatus, String message) {
            super(httpStatus, "tcc " + gid + ", branch " + branchId + ": " + message, null);
            this.branchId = branchId;
        }

        public String branchId() {
            return branchId;
        }
    }
}
