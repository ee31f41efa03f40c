package dev.redsaga.client.barrier;

import dev.redsaga.client.RedsagaClient;
import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.BranchRegistration;
import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.TransType;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * The branch side of an XA transaction (DTM's {@code XaLocalTransaction}), on a database that keeps a prepared XA
 * transaction across connections — MariaDB/MySQL; PostgreSQL with {@code max_prepared_transactions > 0}.
 *
 * <pre>{@code
 * XaBranch xa = XaBranch.of(xaDataSource, JdbcBarrier.of(Dialect.MYSQL), client);   // once
 * // POST /xa/deduct?gid=..&trans_type=xa&branch_id=01&op=action|commit|rollback
 * Outcome o = xa.handle(BranchBarrier.from(queryParams), "http://127.0.0.1:8082/xa/deduct", tx -> {
 *     ... // the business, on tx; FAILURE or an exception rolls it back
 *     return Outcome.SUCCESS;
 * });
 * // answer BranchAnswer.of(o)
 * }</pre>
 *
 * <ul>
 *   <li>{@code op=action}: starts an XA transaction branch (its xid: the gid, at most 64 bytes, and the branch id),
 *       writes the barrier record of the action in it, runs the business, and on SUCCESS prepares it and registers
 *       the branch with the coordinator ({@code url}: this same endpoint); on anything else rolls it back. A
 *       rollback that came first left the record behind: the action then does nothing and answers FAILURE.</li>
 *   <li>{@code op=commit}: commits the prepared branch (one already gone: done before).</li>
 *   <li>{@code op=rollback}: rolls it back (one never prepared: nothing to roll back), then writes the action's
 *       record, so that an action arriving late refuses itself.</li>
 * </ul>
 */
public final class XaBranch {
    /** The format id of the Xids this class writes (any fixed value; recovery tools show it). */
    static final int FORMAT_ID = 0x5244_5341; // "RDSA"
    private static final int MAX_XID_BYTES = 64;

    private final XADataSource dataSource;
    private final JdbcBarrier barrier;
    private final RedsagaClient client;

    private XaBranch(XADataSource dataSource, JdbcBarrier barrier, RedsagaClient client) {
        this.dataSource = dataSource;
        this.barrier = barrier;
        this.client = client;
    }

    /**
     * @param barrier the barrier whose table (in the same database) keeps the action records
     * @param client  the coordinator a prepared branch registers with
     */
    public static XaBranch of(XADataSource dataSource, JdbcBarrier barrier, RedsagaClient client) {
        if (dataSource == null || barrier == null || client == null) {
            throw new IllegalArgumentException("dataSource, barrier and client are required");
        }
        return new XaBranch(dataSource, barrier, client);
    }

    /**
     * Handles one request of the coordinator or the global transaction's client for this branch.
     *
     * @param url the URL the coordinator is to call for this branch's commit and rollback (this endpoint)
     * @throws SQLException when the database fails (answer 500: it is asked again); for an action, the XA
     *     transaction is rolled back first, unless the branch's registration may have reached the coordinator
     */
    public Outcome handle(BranchBarrier request, String url, JdbcBarrier.Business business) throws SQLException {
        if (!TransType.XA.wire().equals(request.transType())) {
            throw new IllegalArgumentException("trans_type is " + request.transType() + ", not xa");
        }
        Xid xid = xid(request.gid(), request.branchId());
        return switch (request.op()) {
            case ACTION -> action(request, xid, url, business);
            case COMMIT -> phaseTwo(xid, true, request);
            case ROLLBACK -> phaseTwo(xid, false, request);
            default -> throw new IllegalArgumentException("op " + request.op().wire() + " is not an xa branch's: "
                    + "action, commit or rollback");
        };
    }

    private Outcome action(BranchBarrier request, Xid xid, String url, JdbcBarrier.Business business)
            throws SQLException {
        XAConnection xc = dataSource.getXAConnection();
        try {
            XAResource res = xc.getXAResource();
            boolean prepared = false;
            res.start(xid, XAResource.TMNOFLAGS);
            try (Connection c = xc.getConnection()) {
                // a rollback that came first holds this record: then nothing may happen here
                Outcome o = barrier.insertIgnore(c, TransType.XA.wire(), request.gid(), request.branchId(),
                        BranchOp.ACTION, BranchOp.ACTION.wire()) ? business.run(c) : Outcome.FAILURE;
                if (o != Outcome.SUCCESS) {
                    res.end(xid, XAResource.TMFAIL);
                    res.rollback(xid);
                    return o;
                }
                res.end(xid, XAResource.TMSUCCESS);
                res.prepare(xid);
                prepared = true;
            } catch (Throwable e) { // also a checked exception a business threw undeclared: never left active
                if (!prepared) {
                    abandon(res, xid, e);
                }
                throw e;
            }
            register(request, url, res, xid);
            return Outcome.SUCCESS;
        } catch (XAException e) {
            throw new SQLException("XA " + xid(xid) + " failed: " + e.getMessage() + " (XA error " + e.errorCode + ")",
                    e);
        } finally {
            xc.close();
        }
    }

    /** Registers the prepared branch; if the coordinator refused it for sure, the branch is rolled back here. */
    private void register(BranchBarrier request, String url, XAResource res, Xid xid) throws XAException {
        try {
            client.registerBranch(new BranchRegistration(request.gid(), TransType.XA.wire(), request.branchId(),
                    null, null, null, url));
        } catch (dev.redsaga.client.OutcomeUnknownException e) {
            throw e; // it may be registered: leave it prepared for the coordinator to commit or roll back
        } catch (RuntimeException e) {
            res.rollback(xid); // refused (not prepared any more, a bad URL): nobody would finish it
            throw e;
        }
    }

    private Outcome phaseTwo(Xid xid, boolean commit, BranchBarrier request) throws SQLException {
        XAConnection xc = dataSource.getXAConnection();
        try {
            XAResource res = xc.getXAResource();
            try {
                if (commit) {
                    res.commit(xid, false);
                } else {
                    res.rollback(xid);
                }
            } catch (XAException e) {
                if (e.errorCode != XAException.XAER_NOTA) {
                    throw new SQLException("XA " + (commit ? "commit" : "rollback") + " of " + xid(xid) + " failed: "
                            + e.getMessage() + " (XA error " + e.errorCode + ")", e);
                } // no such branch: finished before (a repeated request), or — for a rollback — never prepared
            }
            if (!commit) {
                try (Connection c = xc.getConnection()) {
                    c.setAutoCommit(true);
                    // a late action finds this record and does nothing
                    barrier.insertIgnore(c, TransType.XA.wire(), request.gid(), request.branchId(), BranchOp.ACTION,
                            BranchOp.ROLLBACK.wire());
                }
            }
            return Outcome.SUCCESS;
        } finally {
            xc.close();
        }
    }

    private static void abandon(XAResource res, Xid xid, Throwable cause) {
        try {
            res.end(xid, XAResource.TMFAIL);
        } catch (XAException e) {
            cause.addSuppressed(e);
        }
        try {
            res.rollback(xid);
        } catch (XAException e) {
            cause.addSuppressed(e);
        }
    }

    /**
     * The xid of a branch: the gid as the global transaction id, the branch id as the branch qualifier (both at most
     * 64 bytes in XA; an empty qualifier is not written correctly by every driver).
     */
    static Xid xid(String gid, String branchId) {
        byte[] gtrid = gid.getBytes(StandardCharsets.UTF_8);
        byte[] bqual = branchId.getBytes(StandardCharsets.UTF_8);
        if (gtrid.length > MAX_XID_BYTES || bqual.length > MAX_XID_BYTES) {
            throw new IllegalArgumentException("gid " + gid + " or branch id " + branchId + " is too long for XA: "
                    + "each must fit in " + MAX_XID_BYTES + " bytes (the SDK's newGid is 22 characters)");
        }
        return new Xid() {
            @Override
            public int getFormatId() {
                return FORMAT_ID;
            }

            @Override
            public byte[] getGlobalTransactionId() {
                return gtrid.clone();
            }

            @Override
            public byte[] getBranchQualifier() {
                return bqual.clone();
            }
        };
    }

    private static String xid(Xid xid) {
        return new String(xid.getGlobalTransactionId(), StandardCharsets.UTF_8) + "/"
                + new String(xid.getBranchQualifier(), StandardCharsets.UTF_8);
    }
}
