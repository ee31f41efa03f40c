package dev.redsaga.example.spring.stock;

import dev.redsaga.client.barrier.BranchBarrier;
import dev.redsaga.example.spring.Purchase;
import dev.redsaga.protocol.Outcome;
import dev.redsaga.spring.TransactionalBarrier;
import dev.redsaga.spring.web.BranchResponses;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** The stock's branches. Each runs behind the barrier, in one transaction with its barrier rows. */
@RestController
public class StockController {
    static final long PRODUCT = 1;
    private final JdbcTemplate jdbc;
    private final TransactionalBarrier barrier;

    public StockController(JdbcTemplate jdbc, TransactionalBarrier barrier) {
        this.jdbc = jdbc;
        this.barrier = barrier;
    }

    /** The action: take the units if there are enough; FAILURE (the saga is compensated) if not. */
    @PostMapping("/stock/deduct")
    public ResponseEntity<String> deduct(BranchBarrier branch, @RequestBody Purchase p) throws Exception {
        return BranchResponses.of(barrier.answer(branch, () -> jdbc.update(
                "UPDATE stock SET available = available - ? WHERE product_id = ? AND available >= ?",
                p.qty(), p.productId(), p.qty()) == 1 ? Outcome.SUCCESS : Outcome.FAILURE));
    }

    /** The compensation: put them back (the barrier makes it a no-op when the deduct never ran). */
    @PostMapping("/stock/restore")
    public ResponseEntity<String> restore(BranchBarrier branch, @RequestBody Purchase p) throws Exception {
        return BranchResponses.of(barrier.answer(branch, () -> {
            jdbc.update("UPDATE stock SET available = available + ? WHERE product_id = ?", p.qty(), p.productId());
            return Outcome.SUCCESS;
        }));
    }
}
