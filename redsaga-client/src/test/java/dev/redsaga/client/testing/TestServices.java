package dev.redsaga.client.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The local services and tools the tests use (docs/operations.md says how to start each). A test that needs one and finds none fails under
 * {@code CI=true}; outside CI it is skipped, loudly.
 */
public final class TestServices {
    public static final String REDIS_URI = "redis://127.0.0.1:6379";
    public static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    public static final String POSTGRES_USER = "postgres";
    public static final String MARIADB_URL = "jdbc:mariadb://127.0.0.1:3306/test";
    public static final String MARIADB_USER = "root";

    private TestServices() {
    }

    public static void requireRedis() {
        require("Redis", 6379);
    }

    public static void requirePostgres() {
        require("PostgreSQL", 5432);
    }

    public static void requireMariaDb() {
        require("MariaDB", 3306);
    }

    /**
     * The program {@code command} found on the {@code PATH}; under CI its absence fails the test, elsewhere it is
     * skipped, loudly. {@code install} says how to get it.
     */
    public static Path requireCommand(String command, String install) {
        String path = System.getenv("PATH");
        for (String dir : path == null ? new String[0] : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, command);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        missing(command + " is not on the PATH (" + install + ")");
        throw new AssertionError("unreachable");
    }

    private static void missing(String msg) {
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError(msg);
        }
        System.err.println("SKIPPED: " + msg);
        Assumptions.abort(msg);
    }

    /** Fails under CI, skips loudly elsewhere, when nothing listens on 127.0.0.1:{@code port}. */
    public static void require(String name, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        } catch (IOException e) {
            missing(name + " is not running on 127.0.0.1:" + port + " (start it as in docs/operations.md): " + e);
        }
    }
}
