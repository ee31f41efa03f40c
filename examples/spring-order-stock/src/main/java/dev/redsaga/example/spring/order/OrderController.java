package dev.redsaga.example.spring.order;

import dev.redsaga.client.RedsagaClient;
import dev.redsaga.client.SubmitResult;
import dev.redsaga.client.barrier.BranchBarrier;
import dev.redsaga.example.spring.Purchase;
import dev.redsaga.protocol.Outcome;
import dev.redsaga.spring.TransactionalBarrier;
import dev.redsaga.spring.web.BranchResponses;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/** A purchase as a saga (create the order, take the stock), and the order's branches behind the barrier. */
@RestController
public class OrderController {
    private final RedsagaClient redsaga;
    private final TransactionalBarrier barrier;
    private final JdbcTemplate jdbc;
    private final String stockUrl;

    public OrderController(RedsagaClient redsaga, TransactionalBarrier barrier, JdbcTemplate jdbc,
            @Value("${stock.url}") String stockUrl) {
        this.redsaga = redsaga;
        this.barrier = barrier;
        this.jdbc = jdbc;
        this.stockUrl = stockUrl;
    }

    /**
     * Buys: the saga's outcome once its first run ended — 200 succeeded; 409 failed, everything undone; 202 still
     * retrying a branch (it ends later, one way or the other).
     */
    @PostMapping("/purchases")
    public ResponseEntity<Map<String, String>> purchase(@RequestBody Purchase p) {
        String self = ServletUriComponentsBuilder.fromCurrentContextPath().toUriString();
        String gid = redsaga.newGid();
        SubmitResult result = redsaga.saga(gid)
                .step(self + "/order/create", self + "/order/cancel", p)
                .step(stockUrl + "/stock/deduct", stockUrl + "/stock/restore", p)
                .waitResult()
                .submit();
        int status = switch (result) {
            case SUCCESS -> 200;
            case FAILURE -> 409;
            case ONGOING -> 202;
        };
        return ResponseEntity.status(status).body(Map.of("gid", gid, "outcome", result.name()));
    }

    @PostMapping("/order/create")
    public ResponseEntity<String> create(BranchBarrier branch, @RequestBody Purchase p) throws Exception {
        return BranchResponses.of(barrier.answer(branch, () -> {
            jdbc.update("INSERT INTO orders (gid, user_id, product_id, qty, status) VALUES (?, ?, ?, ?, 'created')",
                    branch.gid(), p.userId(), p.productId(), p.qty());
            return Outcome.SUCCESS;
        }));
    }

    @PostMapping("/order/cancel")
    public ResponseEntity<String> cancel(BranchBarrier branch, @RequestBody Purchase p) throws Exception {
        return BranchResponses.of(barrier.answer(branch, () -> {
            jdbc.update("UPDATE orders SET status = 'cancelled' WHERE gid = ?", branch.gid());
            return Outcome.SUCCESS;
        }));
    }
}
