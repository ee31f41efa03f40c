package dev.redsaga.example.orderstock;

import dev.redsaga.client.barrier.BranchBarrier;
import dev.redsaga.client.barrier.JdbcBarrier;
import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.Outcome;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Runs a branch's business in a local transaction: through the barrier, or plainly (to show what goes wrong). */
public interface TransactionRunner {
    Outcome run(Connection c, Business.BranchCall call, Business business) throws SQLException;

    /**
     * A message's back-check: did the local transaction of message {@code gid} commit (and if not, it never will)?
     *
     * @throws SQLException also when nothing can tell (no barrier)
     */
    Outcome queryPrepared(Connection c, String gid) throws SQLException;

    /** No barrier: commit on SUCCESS, roll back otherwise. Duplicates, late actions and empty compensations all run. */
    static TransactionRunner plain() {
        return new TransactionRunner() {
            @Override
            public Outcome queryPrepared(Connection c, String gid) throws SQLException {
                throw new SQLException("no barrier: nothing can tell whether the local transaction of " + gid
                        + " committed");
            }

            @Override
            public Outcome run(Connection c, Business.BranchCall call, Business business) throws SQLException {
                return runPlainly(c, call, business);
            }
        };
    }

    private static Outcome runPlainly(Connection c, Business.BranchCall call, Business business) throws SQLException {
        c.setAutoCommit(false);
        try {
            Outcome o = business.run(c, call);
            if (o == Outcome.SUCCESS) {
                c.commit();
            } else {
                c.rollback();
            }
            return o;
        } catch (Throwable e) {
            // an Error too: restoring auto-commit below would commit the half-done business
            try {
                c.rollback();
            } catch (SQLException rollbackFailed) {
                e.addSuppressed(rollbackFailed);
            }
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** Through the sub-transaction barrier (its table created in {@code db} if missing). */
    static TransactionRunner withBarrier(DataSource db) throws SQLException {
        JdbcBarrier barrier = JdbcBarrier.detect(db);
        try (Connection c = db.getConnection()) {
            barrier.createTableIfMissing(c);
        }
        return new TransactionRunner() {
            @Override
            public Outcome run(Connection c, Business.BranchCall call, Business business) throws SQLException {
                return barrier.call(c, new BranchBarrier(call.transType(), call.gid(), call.branchId(),
                        BranchOp.fromWire(call.op()), call.deadline()), tx -> business.run(tx, call));
            }

            @Override
            public Outcome queryPrepared(Connection c, String gid) throws SQLException {
                return barrier.queryPrepared(c, gid);
            }
        };
    }
}
