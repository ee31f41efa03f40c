package dev.redsaga.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which browser pages may call the API: the allowed origins, and the server's own pages ({@code /admin}) — under a
 * loopback name when no token protects the API, so that a page of another site whose name was made to resolve here
 * (DNS rebinding) is still refused.
 */
class AccessPolicyTest {

    @Test
    void theServersOwnPagesAreServedAndOtherSitesAreNot() {
        AccessPolicy open = AccessPolicy.open();
        assertThat(open.allowsOrigin(null, "127.0.0.1:36789")).as("not from a browser").isTrue();
        assertThat(open.allowsOrigin("http://127.0.0.1:36789", "127.0.0.1:36789")).isTrue();
        assertThat(open.allowsOrigin("http://localhost:36789", "localhost:36789")).isTrue();
        assertThat(open.allowsOrigin("http://[::1]:36789", "[::1]:36789")).isTrue();
        assertThat(open.allowsOrigin("http://evil.example", "127.0.0.1:36789")).isFalse();
        assertThat(open.allowsOrigin("http://127.0.0.1:8080", "127.0.0.1:36789")).as("another port").isFalse();
        // DNS rebinding: the attacker's name, resolving here, in both headers
        assertThat(open.allowsOrigin("http://evil.example:36789", "evil.example:36789")).isFalse();
        assertThat(open.allowsOrigin("http://cafe:36789", "cafe:36789")).as("a name, not resolved").isFalse();
        assertThat(open.allowsOrigin("http://10.0.0.5:36789", "10.0.0.5:36789")).isFalse();
    }

    @Test
    void withTokensTheServersOwnPagesAreServedUnderAnyName() {
        AccessPolicy tokens = AccessPolicy.of("0.0.0.0", List.of("s"), List.of("a"), false, List.of("https://ops.example"));
        assertThat(tokens.allowsOrigin("https://coordinator.internal:36789", "coordinator.internal:36789")).isTrue();
        assertThat(tokens.allowsOrigin("https://ops.example", "coordinator.internal:36789")).isTrue();
        assertThat(tokens.allowsOrigin("https://evil.example", "coordinator.internal:36789")).isFalse();
        assertThat(tokens.allowsOrigin("https://evil.example", null)).isFalse();
    }

    @Test
    void aMetricsTokenReadsTheMetricsAndNothingElse() {
        AccessPolicy p = AccessPolicy.of("127.0.0.1", List.of("s"), List.of("a"), List.of("m"), false, List.of());
        assertThat(p.grants("m", AccessPolicy.Scope.METRICS)).isTrue();
        assertThat(p.grants("m", AccessPolicy.Scope.SUBMIT)).isFalse();
        assertThat(p.grants("m", AccessPolicy.Scope.ADMIN)).isFalse();
        assertThat(p.grants("a", AccessPolicy.Scope.METRICS)).isTrue();
        assertThat(p.grants("s", AccessPolicy.Scope.METRICS)).isFalse();
    }
}
