package dev.redsaga.example.orderstock;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code redsaga services} refuses what it cannot run with a message saying why (it is run for real by ChaosIT). */
class ServicesCommandTest {

    static String refused(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new ServicesCommand());
        cmd.setErr(new PrintWriter(err));
        assertThat(cmd.execute(args)).as(err.toString()).isEqualTo(2);
        return err.toString();
    }

    @Test
    void badOptionsGetAClearMessage() {
        assertThat(refused("--db", "h2")).contains("--db h2 cannot be used here");
        assertThat(refused("--db", "oracle")).contains("unknown database 'oracle'");
        assertThat(refused("--orders-db", "x; DROP SCHEMA public"))
                .contains("database name 'x; DROP SCHEMA public' is invalid");
        assertThat(refused("--stock-port", "70000")).contains("port 70000 is out of range");
        assertThat(refused("--pool", "0")).contains("--pool must be between 1 and 1000");
        assertThat(refused("--create", "-1")).contains("--create must not be negative");
    }
}
