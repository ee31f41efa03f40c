package dev.redsaga.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redsaga.client.BranchAnswer;
import dev.redsaga.client.barrier.BranchBarrier;
import dev.redsaga.client.barrier.DeadlineExceededException;
import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.Outcome;
import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Transactional;

/**
 * The barrier in Spring's transactions, on a real H2 database with Spring's own transaction manager: the barrier
 * rows commit with the business change and roll back with it — on FAILURE, on a runtime exception, and on a checked
 * one, on which Spring alone would have committed — whether the barrier is the transaction or joins a
 * {@code @Transactional} method's.
 */
class TransactionalBarrierTest {

    /**
     * A stock service: the business takes the units and answers FAILURE (after its change) when too few were left.
     * Public methods: the bean is a transactional proxy.
     */
    public static class StockService {
        final JdbcTemplate jdbc;
        final TransactionalBarrier barrier;
        final AtomicInteger runs = new AtomicInteger();

        public StockService(JdbcTemplate jdbc, TransactionalBarrier barrier) {
            this.jdbc = jdbc;
            this.barrier = barrier;
        }

        /** How often the business ran (a method: the bean is a proxy, its fields are not the service's). */
        public int runs() {
            return runs.get();
        }

        public BranchAnswer answer(BranchBarrier b, int units) throws Exception {
            return barrier.answer(b, () -> take(units));
        }

        Outcome take(int units) {
            runs.incrementAndGet();
            jdbc.update("UPDATE stock SET available = available - ? WHERE id = 1", units);
            Integer left = jdbc.queryForObject("SELECT available FROM stock WHERE id = 1", Integer.class);
            return left != null && left >= 0 ? Outcome.SUCCESS : Outcome.FAILURE;
        }

        public Outcome deduct(BranchBarrier b, int units) throws Exception {
            return barrier.call(b, () -> take(units));
        }

        /** Writes a journal row, then the barrier and the business: all in the method's one transaction. */
        @Transactional
        public Outcome deductWithJournal(BranchBarrier b, int units, Exception thrown) throws Exception {
            jdbc.update("INSERT INTO journal (gid) VALUES (?)", b.gid());
            return barrier.call(b, () -> {
                Outcome o = take(units);
                if (thrown != null) {
                    throw thrown;
                }
                return o;
            });
        }

        /** Spring's own rule, for contrast: a checked exception out of a @Transactional method commits. */
        @Transactional
        public void journalThenThrowChecked(String gid) throws IOException {
            jdbc.update("INSERT INTO journal (gid) VALUES (?)", gid);
            throw new IOException("checked");
        }
    }

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                    DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class,
                    JdbcTemplateAutoConfiguration.class,
                    RedsagaAutoConfiguration.class, RedsagaBarrierAutoConfiguration.class))
            .withPropertyValues("spring.datasource.url=jdbc:h2:mem:" + UUID.randomUUID(),
                    "redsaga.barrier.create-table=true")
            .withBean(StockService.class);

    private void run(ThrowingTest test) {
        runner.run(context -> {
            JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
            jdbc.execute("CREATE TABLE stock (id INT PRIMARY KEY, available INT NOT NULL)");
            jdbc.execute("CREATE TABLE journal (gid VARCHAR(64) NOT NULL)");
            jdbc.update("INSERT INTO stock VALUES (1, 5)");
            test.run(context, context.getBean(StockService.class), jdbc);
        });
    }

    @FunctionalInterface
    interface ThrowingTest {
        void run(AssertableApplicationContext context, StockService stock, JdbcTemplate jdbc) throws Exception;
    }

    private static BranchBarrier action(String gid) {
        return new BranchBarrier("saga", gid, "01", BranchOp.ACTION);
    }

    private static int available(JdbcTemplate jdbc) {
        return jdbc.queryForObject("SELECT available FROM stock WHERE id = 1", Integer.class);
    }

    private static int rows(JdbcTemplate jdbc, String table, String gid) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM " + table + " WHERE gid = ?", Integer.class, gid);
    }

    @Test
    void onItsOwnTheBarrierIsTheTransaction() {
        run((context, stock, jdbc) -> {
            assertThat(stock.deduct(action("g1"), 2)).isEqualTo(Outcome.SUCCESS);
            assertThat(available(jdbc)).isEqualTo(3);
            assertThat(rows(jdbc, "barrier", "g1")).isEqualTo(1);

            // FAILURE: the business's change and the barrier row are both rolled back (a retry may run it again)
            assertThat(stock.deduct(action("g2"), 10)).isEqualTo(Outcome.FAILURE);
            assertThat(available(jdbc)).isEqualTo(3);
            assertThat(rows(jdbc, "barrier", "g2")).isZero();

            // a duplicate does not run the business again
            int runs = stock.runs();
            assertThat(stock.deduct(action("g1"), 2)).isEqualTo(Outcome.SUCCESS);
            assertThat(stock.runs()).isEqualTo(runs);

            // a compensation before its action is empty, and the late action is refused (answered, not run)
            BranchBarrier compensate = new BranchBarrier("saga", "g3", "01", BranchOp.COMPENSATE);
            assertThat(stock.deduct(compensate, -2)).isEqualTo(Outcome.SUCCESS);
            assertThat(stock.deduct(action("g3"), 2)).isEqualTo(Outcome.SUCCESS);
            assertThat(stock.runs()).isEqualTo(runs);
            assertThat(available(jdbc)).isEqualTo(3);
        });
    }

    @Test
    void inATransactionalMethodTheBarrierJoinsItsTransaction() {
        run((context, stock, jdbc) -> {
            assertThat(stock.deductWithJournal(action("ok"), 2, null)).isEqualTo(Outcome.SUCCESS);
            assertThat(rows(jdbc, "journal", "ok")).isEqualTo(1);
            assertThat(rows(jdbc, "barrier", "ok")).isEqualTo(1);
            assertThat(available(jdbc)).isEqualTo(3);

            // FAILURE, answered normally: the whole transaction rolls back, with no exception for the caller
            assertThat(stock.deductWithJournal(action("short"), 10, null)).isEqualTo(Outcome.FAILURE);
            assertThat(rows(jdbc, "journal", "short")).isZero();
            assertThat(rows(jdbc, "barrier", "short")).isZero();
            assertThat(available(jdbc)).isEqualTo(3);

            assertThatThrownBy(() -> stock.deductWithJournal(action("bug"), 1, new IllegalStateException("bug")))
                    .isInstanceOf(IllegalStateException.class);
            assertThat(rows(jdbc, "journal", "bug")).isZero();
            assertThat(rows(jdbc, "barrier", "bug")).isZero();
            assertThat(available(jdbc)).isEqualTo(3);

            // Spring commits on a checked exception; behind the barrier it rolls back all the same
            assertThatThrownBy(() -> stock.journalThenThrowChecked("plain")).isInstanceOf(IOException.class);
            assertThat(rows(jdbc, "journal", "plain")).isEqualTo(1);
            assertThatThrownBy(() -> stock.deductWithJournal(action("checked"), 1, new IOException("disk")))
                    .isInstanceOf(IOException.class).hasMessage("disk");
            assertThat(rows(jdbc, "journal", "checked")).isZero();
            assertThat(rows(jdbc, "barrier", "checked")).isZero();
            assertThat(available(jdbc)).isEqualTo(3);
        });
    }

    @Test
    void aRequestPastItsDeadlineDoesNothingAndAsksToBeSentAgain() {
        run((context, stock, jdbc) -> {
            BranchBarrier late = new BranchBarrier("saga", "late", "01", BranchOp.ACTION,
                    System.currentTimeMillis() - 1);
            assertThatThrownBy(() -> stock.deduct(late, 1)).isInstanceOf(DeadlineExceededException.class);
            BranchAnswer answer = stock.answer(late, 1);
            assertThat(answer.status()).isEqualTo(503);
            assertThat(rows(jdbc, "barrier", "late")).isZero();
            assertThat(available(jdbc)).isEqualTo(5);
        });
    }
}
