package dev.redsaga.spring;

import dev.redsaga.client.barrier.JdbcBarrier;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The barrier on the application's one {@link DataSource}: a {@link JdbcBarrier} of its dialect on the table
 * {@code redsaga.barrier.table} (created at startup with {@code redsaga.barrier.create-table=true}), and a
 * {@link TransactionalBarrier} that runs it in Spring's transactions.
 */
@AutoConfiguration(afterName = {"org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
    "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
    "org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration"})
@ConditionalOnClass({DataSourceUtils.class, PlatformTransactionManager.class})
@ConditionalOnSingleCandidate(DataSource.class)
@ConditionalOnProperty(prefix = "redsaga.barrier", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(RedsagaProperties.class)
public class RedsagaBarrierAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public JdbcBarrier jdbcBarrier(DataSource dataSource, RedsagaProperties properties) throws SQLException {
        RedsagaProperties.Barrier p = properties.getBarrier();
        try (Connection c = dataSource.getConnection()) {
            JdbcBarrier barrier;
            try {
                barrier = JdbcBarrier.of(JdbcBarrier.dialectOf(c), p.getTable());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("redsaga.barrier.* is invalid: " + e.getMessage(), e);
            }
            if (p.isCreateTable()) {
                barrier.createTableIfMissing(c);
            }
            return barrier;
        }
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnSingleCandidate(PlatformTransactionManager.class)
    public TransactionalBarrier transactionalBarrier(JdbcBarrier barrier, DataSource dataSource,
            PlatformTransactionManager transactionManager) {
        return new TransactionalBarrier(barrier, dataSource, transactionManager);
    }
}
