package dev.redsaga.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redsaga.server.config.AccessPolicy;
import dev.redsaga.server.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The server's access options: tokens from options, variables and files; no open server beyond loopback unless
 * asked for; tokens never shown. (Only the configuration is built here: nothing listens on another address.)
 */
class ServerAccessOptionsTest {
    @TempDir
    Path dir;

    private ServerConfig config(Map<String, String> env, String... args) {
        ServerCommand cmd = new ServerCommand();
        cmd.environment = env;
        new CommandLine(cmd).parseArgs(args);
        return cmd.config();
    }

    @Test
    void onLoopbackNoTokenIsNeededAsTheReadmeCommandsExpect() {
        assertThat(config(Map.of()).access().requiresToken()).isFalse();
    }

    @Test
    void aServerReachableFromOtherMachinesRefusesToStartWithoutTokensUnlessAskedTo() {
        assertThatThrownBy(() -> config(Map.of(), "--host", "0.0.0.0"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("reachable from other machines").hasMessageContaining("--allow-anonymous");
        assertThat(config(Map.of(), "--host", "0.0.0.0", "--allow-anonymous").access().requiresToken()).isFalse();
        assertThat(config(Map.of(), "--host", "0.0.0.0", "--api-token", "t1").access().requiresToken()).isTrue();
    }

    @Test
    void theStorePoolIsSizedByItsOptionWithinBounds() {
        assertThat(config(Map.of()).storePoolSize()).isEqualTo(16);
        assertThat(config(Map.of(), "--store-pool", "6").storePoolSize()).isEqualTo(6);
        assertThatThrownBy(() -> config(Map.of(), "--store-pool", "0"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--store-pool must be between 1 and 1000, was 0");
    }

    @Test
    void branchPacingComesFromItsOptionsWithinBounds() {
        assertThat(config(Map.of()).branchFlow().maxLimit()).isEqualTo(256);
        assertThat(config(Map.of()).branchFlow().retryShare()).isEqualTo(0.2);
        assertThat(config(Map.of(), "--branch-limit", "32", "--retry-budget", "5").branchFlow())
                .satisfies(f -> {
                    assertThat(f.maxLimit()).isEqualTo(32);
                    assertThat(f.retryShare()).isEqualTo(0.05);
                });
        assertThatThrownBy(() -> config(Map.of(), "--branch-limit", "0"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--branch-limit must be between 1 and 10000, was 0");
        assertThatThrownBy(() -> config(Map.of(), "--retry-budget", "150"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--retry-budget is a percentage between 0 and 100, was 150");
    }

    @Test
    void tokensComeFromOptionsVariablesAndFilesAndAreNeverShown() throws Exception {
        Path file = Files.writeString(dir.resolve("admin.tokens"), "# operators\nadm-file-1\n\nadm-file-2\n");
        ServerConfig c = config(Map.of("REDSAGA_API_TOKENS", "env-1, env-2", "REDSAGA_ADMIN_TOKENS", "adm-env"),
                "--api-token", "opt-1", "--admin-token-file", file.toString());
        AccessPolicy a = c.access();
        for (String t : new String[] {"opt-1", "env-1", "env-2"}) {
            assertThat(a.grants(t, AccessPolicy.Scope.SUBMIT)).as(t).isTrue();
            assertThat(a.grants(t, AccessPolicy.Scope.ADMIN)).as(t).isFalse();
        }
        for (String t : new String[] {"adm-env", "adm-file-1", "adm-file-2"}) {
            assertThat(a.grants(t, AccessPolicy.Scope.ADMIN)).as(t).isTrue();
        }
        assertThat(a.grants("# operators", AccessPolicy.Scope.SUBMIT)).isFalse();
        assertThat(a.grants(null, AccessPolicy.Scope.SUBMIT)).isFalse();
        assertThat(c.toString()).doesNotContain("opt-1", "env-1", "adm-file-1", "adm-env");

        assertThatThrownBy(() -> config(Map.of(), "--api-token-file", dir.resolve("missing").toString()))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("cannot be read");
        assertThatThrownBy(() -> config(Map.of(), "--allow-origin", "https://ui.example/path"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("without a path");
    }
}
