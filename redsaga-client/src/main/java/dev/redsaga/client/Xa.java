package dev.redsaga.client;

import dev.redsaga.protocol.BranchIds;
import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.TransType;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

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
        URI uri = URI.create(url + (url.contains("?") ? "&" : "?") + "gid="
                + URLEncoder.encode(gid, StandardCharsets.UTF_8) + "&trans_type=" + TransType.XA.wire()
                + "&branch_id=" + branchId + "&op=" + BranchOp.ACTION.wire());
        HttpResponse<String> r;
        try {
            r = client.callTry(uri, body);
        } catch (IOException e) {
            throw new BranchRefusedException(gid, branchId, 0, "no answer from " + url + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BranchRefusedException(gid, branchId, 0, "interrupted while calling " + url);
        }
        if (Outcome.classify(r.statusCode(), r.body()) != Outcome.SUCCESS) {
            String answer = r.body() == null ? "" : r.body().length() <= 200 ? r.body()
                    : r.body().substring(0, 200) + "...";
            throw new BranchRefusedException(gid, branchId, r.statusCode(), "the branch " + url + " answered HTTP "
                    + r.statusCode() + ": " + answer);
        }
        return r.body();
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
