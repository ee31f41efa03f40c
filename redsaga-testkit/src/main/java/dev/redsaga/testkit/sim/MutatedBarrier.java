package dev.redsaga.testkit.sim;

import dev.redsaga.client.barrier.BranchBarrier;
import dev.redsaga.client.barrier.JdbcBarrier;
import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.Outcome;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The barrier's algorithm (as {@link JdbcBarrier#call} and {@link JdbcBarrier#queryPrepared} run it on H2) with one
 * of three known bugs switched on, for the simulator's proof that it finds them. Never used without a mutant: the simulator otherwise runs the real
 * {@link JdbcBarrier}.
 */
final class MutatedBarrier {
    private final Mutant mutant;

    MutatedBarrier(Mutant mutant) {
        this.mutant = mutant;
    }

    Outcome call(Connection c, BranchBarrier b, JdbcBarrier.Business business) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            BranchOp origin = b.op().origin();
            boolean originAdded = origin != null && insertIgnore(c, b, origin);
            boolean opAdded = insertIgnore(c, b, b.op());
            if (originAdded || !opAdded) {
                if (originAdded && mutant == Mutant.EMPTY_COMPENSATION_WITHOUT_COMMIT) {
                    c.rollback(); // the bug: the origin record goes, and with it the refusal of a late action
                } else {
                    c.commit();
                }
                return Outcome.SUCCESS;
            }
            Outcome o = business.run(c);
            if (o == Outcome.SUCCESS) {
                c.commit();
            } else {
                c.rollback();
            }
            return o;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } catch (Error e) {
            if (mutant != Mutant.ERROR_COMMITS_HALF_DONE_BUSINESS) {
                c.rollback();
            }
            throw e; // the bug: restoring auto-commit below commits what the business did so far
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /**
     * A message's back-check as {@link JdbcBarrier#queryPrepared} answers it; with its mutant, read without writing
     * the row that refuses a later local transaction.
     */
    Outcome queryPrepared(Connection c, String gid) throws SQLException {
        if (mutant != Mutant.MSG_BACK_CHECK_WITHOUT_RECORD) {
            return JdbcBarrier.of(JdbcBarrier.Dialect.H2).queryPrepared(c, gid);
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT reason FROM barrier WHERE gid = ? AND branch_id = '00' AND op = 'msg'")) {
            ps.setString(1, gid);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                return rs.next() && !"rollback".equals(rs.getString(1)) ? Outcome.SUCCESS : Outcome.FAILURE;
            }
        }
    }

    private static boolean insertIgnore(Connection c, BranchBarrier b, BranchOp op) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO barrier (trans_type, gid, branch_id, op, barrier_id, reason) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, b.transType());
            ps.setString(2, b.gid());
            ps.setString(3, b.branchId());
            ps.setString(4, op.wire());
            ps.setString(5, "01");
            ps.setString(6, b.op().wire());
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                return false;
            }
            throw e;
        }
    }
}
