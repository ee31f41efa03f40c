package dev.redsaga.spring;

import dev.redsaga.client.BranchAnswer;
import dev.redsaga.client.barrier.BranchBarrier;
import dev.redsaga.client.barrier.DeadlineExceededException;
import dev.redsaga.client.barrier.JdbcBarrier;
import dev.redsaga.protocol.Outcome;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.support.SQLErrorCodeSQLExceptionTranslator;
import org.springframework.jdbc.support.SQLExceptionTranslator;
import org.springframework.transaction.NoTransactionException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.interceptor.TransactionAspectSupport;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The sub-transaction barrier inside Spring's transactions: the barrier rows are written on the connection of the
 * current transaction — the one your {@code JdbcTemplate}, JPA repository or jOOQ query uses — so they commit with
 * the business change, and roll back with it when the business answers anything but SUCCESS or throws anything,
 * checked exceptions included (Spring itself commits on those).
 *
 * <p>Called inside a {@code @Transactional} method, it joins that transaction; called outside any, it is the
 * transaction. In a Spring MVC branch endpoint (the {@link BranchBarrier} argument is read from the request):
 *
 * <pre>{@code
 * @PostMapping("/stock/deduct")
 * ResponseEntity<String> deduct(BranchBarrier branch, @RequestBody Purchase p) throws Exception {
 *     return BranchResponses.of(barrier.answer(branch, () -> stock.deduct(p)));   // 200, 409, 503
 * }
 * }</pre>
 *
 * The rules themselves (idempotence, empty compensation, a late action refused) are {@link JdbcBarrier}'s.
 */
public final class TransactionalBarrier {
    private final JdbcBarrier barrier;
    private final DataSource dataSource;
    private final TransactionTemplate transactions;
    private final SQLExceptionTranslator translator;

    /** The business behind the barrier: runs in the transaction and answers the outcome to give the coordinator. */
    @FunctionalInterface
    public interface Business {
        Outcome run() throws Exception;
    }

    /**
     * @param dataSource the database of the business; {@code transactionManager} must manage its transactions
     */
    public TransactionalBarrier(JdbcBarrier barrier, DataSource dataSource,
            PlatformTransactionManager transactionManager) {
        this.barrier = barrier;
        this.dataSource = dataSource;
        this.transactions = new TransactionTemplate(transactionManager);
        this.translator = new SQLErrorCodeSQLExceptionTranslator(dataSource);
    }

    /** The rules this applies, and the table it writes. */
    public JdbcBarrier barrier() {
        return barrier;
    }

    /**
     * Runs {@code business} behind the barrier in the current transaction (or a new one), and returns the outcome
     * to give the coordinator: the business's own, or SUCCESS without running it for a duplicate, an empty
     * compensation or a late action.
     *
     * @throws DeadlineExceededException when {@code branch}'s deadline has passed (nothing done)
     * @throws org.springframework.dao.DataAccessException when the database fails (rolled back)
     * @throws Exception whatever the business throws, after the rollback
     */
    public Outcome call(BranchBarrier branch, Business business) throws Exception {
        if (branch.deadlinePassed()) {
            throw new DeadlineExceededException(branch);
        }
        Exception[] thrown = new Exception[1];
        Outcome outcome = transactions.execute(status -> {
            Connection c = DataSourceUtils.getConnection(dataSource);
            try {
                Optional<Outcome> answered = barrier.enter(c, branch);
                if (answered.isPresent()) {
                    return answered.get(); // the rows commit with the transaction; the business does not run
                }
                Outcome o = business.run();
                if (o != Outcome.SUCCESS) {
                    rollbackOnly(status);
                }
                return o;
            } catch (SQLException e) {
                throw translator.translate("the sub-transaction barrier", null, e); // the template rolls back
            } catch (RuntimeException e) {
                throw e; // the template rolls back
            } catch (Exception e) {
                rollbackOnly(status); // a checked exception: Spring would commit, the barrier must not
                thrown[0] = e;
                return null;
            } finally {
                DataSourceUtils.releaseConnection(c, dataSource);
            }
        });
        if (thrown[0] != null) {
            throw thrown[0];
        }
        return outcome;
    }

    /**
     * {@link #call}, as the answer a branch endpoint gives: 200, 409 or 425 with DTM's body, and 503 (nothing
     * done, ask again) when the deadline had passed.
     */
    public BranchAnswer answer(BranchBarrier branch, Business business) throws Exception {
        try {
            return BranchAnswer.of(call(branch, business));
        } catch (DeadlineExceededException e) {
            return BranchAnswer.retryLater(e.getMessage());
        }
    }

    /**
     * Marks the transaction to roll back at its end. Joined to a {@code @Transactional} method's transaction, its
     * own status is marked (a plain rollback when that method returns); otherwise this one's, which, joined to a
     * transaction begun elsewhere, marks it globally.
     */
    private static void rollbackOnly(TransactionStatus own) {
        if (!own.isNewTransaction()) {
            try {
                TransactionAspectSupport.currentTransactionStatus().setRollbackOnly();
                return;
            } catch (NoTransactionException e) {
                // begun by a TransactionTemplate, not by @Transactional: mark ours
            }
        }
        own.setRollbackOnly();
    }

    @Override
    public String toString() {
        return "TransactionalBarrier[" + barrier + "]";
    }
}
