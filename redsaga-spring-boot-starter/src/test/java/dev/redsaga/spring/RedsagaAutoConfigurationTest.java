package dev.redsaga.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redsaga.client.RedsagaClient;
import dev.redsaga.client.RedsagaException;
import dev.redsaga.client.barrier.JdbcBarrier;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.AccessPolicy;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.EngineOptions;
import java.sql.Connection;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The auto-configuration in Spring Boot's own test harness, against a real coordinator that requires a token: the
 * client is built from {@code redsaga.client.*} (the token is what lets it in), a customizer or the application's
 * own client bean wins, bad properties stop the start with their name, and the barrier appears only over one
 * {@link DataSource}.
 */
class RedsagaAutoConfigurationTest {
    static final String TOKEN = "starter-" + UUID.randomUUID();
    static RedsagaServer coordinator;

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RedsagaAutoConfiguration.class,
                    RedsagaBarrierAutoConfiguration.class));

    @BeforeAll
    static void startCoordinator() {
        coordinator = RedsagaServer.start(ServerConfig.builder().port(0).store("h2:mem:starter-" + UUID.randomUUID())
                .engine(EngineOptions.builder().defaultRequestTimeoutMs(1_000).defaultRetryIntervalMs(100)
                .retryCapMs(1_000).leaseMs(5_000).claimBatch(100).pollIntervalMs(100).maxConcurrentDrives(64).build())
                .maxRequestBytes(1 << 20).instanceId("starter-test")
                .access(AccessPolicy.of("127.0.0.1", List.of(TOKEN), List.of(), false, List.of())).build());
    }

    @AfterAll
    static void stopCoordinator() {
        coordinator.close();
    }

    @Test
    void theClientTalksToTheCoordinatorOfThePropertiesWithTheirToken() {
        runner.withPropertyValues("redsaga.client.url=" + coordinator.baseUrl(), "redsaga.client.token=" + TOKEN,
                "redsaga.client.timeout=5s").run(context -> {
                    assertThat(context).hasSingleBean(RedsagaClient.class);
                    assertThat(context.getBean(RedsagaClient.class).query("no-such-gid")).isNotNull();
                });
        runner.withPropertyValues("redsaga.client.url=" + coordinator.baseUrl()).run(context ->
                assertThatThrownBy(() -> context.getBean(RedsagaClient.class).query("no-such-gid"))
                        .isInstanceOf(RedsagaException.class).hasMessageContaining("token"));
    }

    @Test
    void aCustomizerChangesTheClientBeforeItIsBuilt() {
        runner.withPropertyValues("redsaga.client.url=" + coordinator.baseUrl())
                .withBean(RedsagaClientCustomizer.class, () -> builder -> builder.token(TOKEN))
                .run(context -> assertThat(context.getBean(RedsagaClient.class).query("no-such-gid")).isNotNull());
    }

    @Test
    void theApplicationsOwnClientWins() {
        RedsagaClient own = RedsagaClient.builder("http://127.0.0.1:1").build();
        runner.withBean(RedsagaClient.class, () -> own).run(context ->
                assertThat(context.getBean(RedsagaClient.class)).isSameAs(own));
    }

    @Test
    void aBadPropertyStopsTheStartNamingIt() {
        runner.withPropertyValues("redsaga.client.url=127.0.0.1:36789").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("baseUrl must be");
            assertThat(context.getStartupFailure()).hasStackTraceContaining("redsaga.client.* is invalid");
        });
        runner.withPropertyValues("redsaga.client.timeout=0s").run(context ->
                assertThat(context.getStartupFailure()).hasStackTraceContaining("timeout must be positive"));
    }

    @Test
    void theBarrierNeedsOneDataSourceAndCanCreateItsTable() {
        runner.run(context -> assertThat(context).doesNotHaveBean(TransactionalBarrier.class));

        ApplicationContextRunner withDatabase = runner
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                        DataSourceTransactionManagerAutoConfiguration.class))
                .withPropertyValues("spring.datasource.url=jdbc:h2:mem:" + UUID.randomUUID());
        withDatabase.withPropertyValues("redsaga.barrier.create-table=true", "redsaga.barrier.table=branch_barrier")
                .run(context -> {
                    assertThat(context).hasSingleBean(TransactionalBarrier.class).hasSingleBean(JdbcBarrier.class);
                    try (Connection c = context.getBean(DataSource.class).getConnection()) {
                        c.createStatement().executeQuery("SELECT COUNT(*) FROM branch_barrier").close();
                    }
                });
        withDatabase.withPropertyValues("redsaga.barrier.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(TransactionalBarrier.class));
        withDatabase.withPropertyValues("redsaga.barrier.table=no such table")
                .run(context -> assertThat(context.getStartupFailure())
                        .hasStackTraceContaining("redsaga.barrier.* is invalid"));
    }
}
