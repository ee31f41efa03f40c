package dev.redsaga.example.orderstock;

import dev.redsaga.protocol.Outcome;
import java.sql.Connection;
import java.sql.SQLException;

/** A branch's business change, run inside a local transaction it does not commit: SUCCESS or FAILURE. */
@FunctionalInterface
public interface Business {
    Outcome run(Connection tx, BranchCall call) throws SQLException;

    /**
     * The branch request as the coordinator sent it.
     *
     * @param deadline when the coordinator stops waiting for the answer (epoch ms), or {@code BranchDeadline.NONE}
     */
    record BranchCall(String gid, String transType, String branchId, String op, Purchase purchase, long deadline) {
    }
}
