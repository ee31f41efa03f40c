package dev.redsaga.spring;

import dev.redsaga.client.RedsagaClient;

/**
 * Changes the auto-configured {@link RedsagaClient} before it is built, after the {@code redsaga.client.*}
 * properties were applied: declare one as a bean (several run in their {@code @Order}).
 *
 * <pre>{@code
 * @Bean
 * RedsagaClientCustomizer tokenFromVault(Vault vault) {
 *     return builder -> builder.token(vault.read("redsaga-token"));
 * }
 * }</pre>
 */
@FunctionalInterface
public interface RedsagaClientCustomizer {
    void customize(RedsagaClient.Builder builder);
}
