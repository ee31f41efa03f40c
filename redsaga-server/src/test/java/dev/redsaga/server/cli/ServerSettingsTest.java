package dev.redsaga.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redsaga.server.config.AccessPolicy;
import dev.redsaga.server.config.ServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The server's settings from a file and from variables as well as options: the command line wins, then the
 * variable, then the file; every value goes through the same checks, and a bad one says where it came from.
 * (Only the configuration is built here: no server starts.)
 */
class ServerSettingsTest {
    @TempDir
    Path dir;

    private ServerConfig config(Map<String, String> env, String... args) {
        ServerCommand cmd = new ServerCommand();
        cmd.environment = env;
        new CommandLine(cmd).parseArgs(args);
        return cmd.config();
    }

    private Path file(String... lines) throws Exception {
        Path f = dir.resolve("redsaga.properties");
        Files.write(f, java.util.List.of(lines));
        return f;
    }

    @Test
    void theCommandLineWinsThenTheVariableThenTheFile() throws Exception {
        Path f = file("# a coordinator", "port=4000", "store=h2:mem:from-file", "max-drives=100", "retention=2d",
                "request-timeout=5s");
        ServerConfig c = config(Map.of("REDSAGA_MAX_DRIVES", "200", "REDSAGA_STORE", "h2:mem:from-variable"),
                "--config", f.toString(), "--store", "h2:mem:from-option");
        assertThat(c.port()).isEqualTo(4000);
        assertThat(c.engine().maxConcurrentDrives()).isEqualTo(200);
        assertThat(c.store()).isEqualTo("h2:mem:from-option");
        assertThat(c.retention()).isEqualTo(Duration.ofDays(2));
        assertThat(c.engine().defaultRequestTimeoutMs()).isEqualTo(5_000);

        // the file named by REDSAGA_CONFIG; the defaults for what nobody sets
        ServerConfig byVariable = config(Map.of("REDSAGA_CONFIG", f.toString()));
        assertThat(byVariable.port()).isEqualTo(4000);
        assertThat(byVariable.host()).isEqualTo("127.0.0.1");
        assertThat(config(Map.of()).port()).isEqualTo(36789);
    }

    /** The command line's defaults are the configuration's own: one home for each default. */
    @Test
    void theCommandsDefaultsAreTheConfigurationsDefaults() {
        ServerConfig fromCommand = config(Map.of());
        ServerConfig defaults = ServerConfig.builder().instanceId(fromCommand.instanceId()).build();
        assertThat(fromCommand).usingRecursiveComparison().isEqualTo(defaults);
    }

    @Test
    void tokensAndFlagsFromTheFile() throws Exception {
        Path f = file("host=0.0.0.0", "api-token=one,two", "admin-token=boss", "allow-origin=https://ops.example");
        AccessPolicy access = config(Map.of(), "--config", f.toString()).access();
        assertThat(access.grants("one", AccessPolicy.Scope.SUBMIT)).isTrue();
        assertThat(access.grants("two", AccessPolicy.Scope.SUBMIT)).isTrue();
        assertThat(access.grants("boss", AccessPolicy.Scope.ADMIN)).isTrue();
        assertThat(access.allowsOrigin("https://ops.example")).isTrue();
        assertThat(config(Map.of(), "--config", file("host=0.0.0.0", "allow-anonymous=true").toString())
                .access().requiresToken()).isFalse();
    }

    @Test
    void aBadValueSaysWhereItCameFrom() throws Exception {
        Path f = file("store-pool=0");
        assertThatThrownBy(() -> config(Map.of(), "--config", f.toString()))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--store-pool must be between 1 and 1000")
                .hasMessageContaining("the setting store-pool of " + f);
        // accepted once, and every request then failed in Jetty ("len < 0": the body buffer's size overflowed)
        assertThatThrownBy(() -> config(Map.of(), "--max-request-bytes", "2147483647"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--max-request-bytes must be between 1024 and 67108864");
        assertThatThrownBy(() -> config(Map.of("REDSAGA_BRANCH_LIMIT", "0")))
                .hasMessageContaining("--branch-limit").hasMessageContaining("the environment variable REDSAGA_BRANCH_LIMIT");

        // a value picocli cannot convert: its message, with the origin
        ServerCommand cmd = new ServerCommand();
        cmd.environment = Map.of("REDSAGA_PORT", "abc");
        CommandLine cl = new CommandLine(cmd);
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        cl.setParameterExceptionHandler(ServerCommand.explainingOrigins(cl.getParameterExceptionHandler()));
        assertThat(cl.execute()).isEqualTo(2);
        assertThat(err.toString()).contains("'abc' is not an int").contains("REDSAGA_PORT");
    }

    @Test
    void aLineThatIsNoSettingIsRefusedNamingTheSettings() throws Exception {
        Path f = file("prot=1");
        assertThatThrownBy(() -> config(Map.of(), "--config", f.toString()))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("'prot', which is no setting").hasMessageContaining("port");
        assertThatThrownBy(() -> config(Map.of(), "--config", dir.resolve("missing.properties").toString()))
                .hasMessageContaining("cannot be read");
    }
}
