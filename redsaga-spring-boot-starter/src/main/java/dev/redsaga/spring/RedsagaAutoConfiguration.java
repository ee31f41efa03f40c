package dev.redsaga.spring;

import dev.redsaga.client.RedsagaClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/** A {@link RedsagaClient} from the {@code redsaga.client.*} properties, unless the application declares its own. */
@AutoConfiguration
@EnableConfigurationProperties(RedsagaProperties.class)
public class RedsagaAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public RedsagaClient redsagaClient(RedsagaProperties properties, ObjectProvider<RedsagaClientCustomizer> customizers) {
        RedsagaProperties.Client p = properties.getClient();
        RedsagaClient.Builder builder;
        try {
            builder = RedsagaClient.builder(p.getUrl()).timeout(p.getTimeout()).connectTimeout(p.getConnectTimeout());
            if (p.getToken() != null && !p.getToken().isEmpty()) {
                builder.token(p.getToken());
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("redsaga.client.* is invalid: " + e.getMessage(), e);
        }
        customizers.orderedStream().forEach(c -> c.customize(builder));
        return builder.build();
    }
}
