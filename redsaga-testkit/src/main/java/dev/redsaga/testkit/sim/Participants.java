package dev.redsaga.testkit.sim;

import dev.redsaga.client.barrier.BranchBarrier;
import dev.redsaga.client.barrier.JdbcBarrier;
import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.Outcome;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * The simulated services: every branch keeps its business effect in an H2 database behind the real
 * {@link JdbcBarrier} (or, for a barrier mutant, the simulator's copy with that bug). An action writes two effect
 * rows, {@code a} then {@code b}, and may refuse (FAILURE) or die half-way with an {@code Error}; a compensation
 * writes its two rows. A TCC branch's try is an action (it may refuse), its confirm and cancel write their rows.
 * A message's local transaction writes its two rows and may refuse; the back-check is answered by the barrier.
 * The checker reads the rows back.
 */
final class Participants implements AutoCloseable {
    private final Connection db;
    private final JdbcBarrier barrier;
    private final MutatedBarrier mutated;
    private final PreparedStatement effect;

    /** What the business does on one delivery, decided by the schedule's random draws. */
    enum Behaviour { NORMAL, REFUSE, DIE_HALF_WAY }

    Participants(Mutant mutant) {
        try {
            db = DriverManager.getConnection("jdbc:h2:mem:");
            barrier = JdbcBarrier.of(JdbcBarrier.Dialect.H2);
            barrier.createTableIfMissing(db);
            try (Statement s = db.createStatement()) {
                s.execute("CREATE TABLE effects (gid VARCHAR(128), branch_id VARCHAR(8), op VARCHAR(16), part CHAR(1))");
            }
            effect = db.prepareStatement("INSERT INTO effects VALUES (?, ?, ?, ?)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set up the simulated services' database: " + e.getMessage(), e);
        }
        mutated = mutant == Mutant.EMPTY_COMPENSATION_WITHOUT_COMMIT || mutant == Mutant.ERROR_COMMITS_HALF_DONE_BUSINESS
                || mutant == Mutant.MSG_BACK_CHECK_WITHOUT_RECORD ? new MutatedBarrier(mutant) : null;
    }

    /** Empties the database for the next schedule. */
    void reset() {
        try (Statement s = db.createStatement()) {
            s.execute("TRUNCATE TABLE effects");
            s.execute("TRUNCATE TABLE barrier");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One delivered branch request; its answer as the coordinator would classify it. */
    Outcome handle(String transType, String gid, String branchId, BranchOp op, Behaviour behaviour) {
        if (op == BranchOp.MSG) {
            return queryPrepared(gid);
        }
        return run(new BranchBarrier(transType, gid, branchId, op), behaviour);
    }

    /**
     * A message's local transaction, run by its sending client: writes {@code 00/msg/a} and {@code 00/msg/b} behind
     * the barrier (the real one, whatever the mutant: the barrier mutants are about branches).
     */
    Outcome local(String gid, Behaviour behaviour) {
        return run(new BranchBarrier("msg", gid, "00", BranchOp.MSG), behaviour);
    }

    /** The sending service's answer to a message's back-check. */
    Outcome queryPrepared(String gid) {
        try {
            return mutated != null ? mutated.queryPrepared(db, gid) : barrier.queryPrepared(db, gid);
        } catch (SQLException e) {
            return Outcome.TRANSIENT;
        }
    }

    private Outcome run(BranchBarrier b, Behaviour behaviour) {
        String gid = b.gid();
        String branchId = b.branchId();
        BranchOp op = b.op();
        JdbcBarrier.Business business = tx -> {
            write(gid, branchId, op, "a");
            if (behaviour == Behaviour.DIE_HALF_WAY) {
                throw new AssertionError("simulated: the business died half-way");
            }
            write(gid, branchId, op, "b");
            return (refusable(op) || op == BranchOp.MSG) && behaviour == Behaviour.REFUSE ? Outcome.FAILURE
                    : Outcome.SUCCESS;
        };
        try {
            return mutated != null && op != BranchOp.MSG ? mutated.call(db, b, business)
                    : barrier.call(db, b, business);
        } catch (SQLException | RuntimeException | Error e) {
            return Outcome.TRANSIENT; // the service answers 500; the coordinator retries
        }
    }

    /**
     * The ops a coordinator calls whose business may say no: an action (a saga's, or a message's branch, which is
     * then retried) and a TCC try (a confirm or cancel must succeed). A message's local transaction may say no too.
     */
    static boolean refusable(BranchOp op) {
        return op == BranchOp.ACTION || op == BranchOp.TRY;
    }

    private void write(String gid, String branchId, BranchOp op, String part) throws SQLException {
        effect.setString(1, gid);
        effect.setString(2, branchId);
        effect.setString(3, op.wire());
        effect.setString(4, part);
        effect.executeUpdate();
    }

    /** Effect rows of {@code gid}: key {@code branch/op/part} → count. */
    Map<String, Integer> effects(String gid) {
        Map<String, Integer> out = new HashMap<>();
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT branch_id, op, part, COUNT(*) FROM effects WHERE gid = ? GROUP BY branch_id, op, part")) {
            ps.setString(1, gid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1) + "/" + rs.getString(2) + "/" + rs.getString(3), rs.getInt(4));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    @Override
    public void close() {
        try {
            db.close();
        } catch (SQLException e) {
            // in-memory: nothing to lose
        }
    }
}
