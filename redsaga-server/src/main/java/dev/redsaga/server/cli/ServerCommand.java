package dev.redsaga.server.cli;

import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.AccessPolicy;
import dev.redsaga.server.config.BranchUrlPolicy;
import dev.redsaga.server.config.FlowControl;
import dev.redsaga.server.config.Observability;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.config.StoreFactory;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.store.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code redsaga server}: runs a coordinator until SIGTERM/Ctrl-C, then stops gracefully. */
@Command(name = "server", mixinStandardHelpOptions = true, defaultValueProvider = ServerSettings.class,
        description = {"Run the saga coordinator: DTM's HTTP API under /api/dtmsvr/.",
            "Unfinished sagas left by a stopped server on the same store are recovered on start.",
            "Every option --x-y may also come from the variable REDSAGA_X_Y or the line x-y=... of the settings "
                + "file (--config); the command line wins, then the variable, then the file."})
public final class ServerCommand implements Callable<Integer> {

    @Option(names = "--port", description = "HTTP port (default: ${DEFAULT-VALUE}, DTM's)",
            defaultValue = "" + ServerConfig.DEFAULT_PORT)
    int port;

    @Option(names = "--host", description = "address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for all)",
            defaultValue = ServerConfig.DEFAULT_HOST)
    String host;

    @Option(names = "--store", defaultValue = ServerConfig.DEFAULT_STORE, description = {
        "where transactions are kept (default: ${DEFAULT-VALUE}):",
        "  h2:PATH (embedded file), redis://host:6379, redis-cluster://h:p,h:p,",
        "  jdbc:postgresql://host:5432/db?user=u,",
        "  jdbc:mariadb://host:3306/db?user=u"})
    String store;

    @Option(names = "--request-timeout", converter = DurationConverter.class,
            defaultValue = EngineOptions.DEFAULT_REQUEST_TIMEOUT_MS / 1000 + "s",
            description = "branch call timeout when a saga sets no request_timeout (default: ${DEFAULT-VALUE})")
    Duration requestTimeout;

    @Option(names = "--retry-interval", converter = DurationConverter.class,
            defaultValue = EngineOptions.DEFAULT_RETRY_INTERVAL_MS / 1000 + "s",
            description = "retry backoff base when a saga sets no retry_interval (default: ${DEFAULT-VALUE})")
    Duration retryInterval;

    @Option(names = "--retry-cap", converter = DurationConverter.class,
            defaultValue = EngineOptions.DEFAULT_RETRY_CAP_MS / 1000 + "s",
            description = "longest wait between retries (default: ${DEFAULT-VALUE})")
    Duration retryCap;

    @Option(names = "--lease", converter = DurationConverter.class,
            defaultValue = EngineOptions.DEFAULT_LEASE_MS / 1000 + "s",
            description = "how long a saga stays with the instance driving it before another may recover it "
                    + "(default: ${DEFAULT-VALUE})")
    Duration lease;

    @Option(names = "--max-drives", defaultValue = "" + EngineOptions.DEFAULT_MAX_DRIVES,
            description = "sagas open at once on this instance (being driven, or between two quick retries); "
                    + "submits wait beyond this, up to --drive-wait (default: ${DEFAULT-VALUE})")
    int maxDrives;

    @Option(names = "--max-request-timeout", converter = DurationConverter.class,
            defaultValue = EngineOptions.DEFAULT_MAX_REQUEST_TIMEOUT_MS / 1000 + "s",
            description = "the longest request_timeout a saga may ask for; each branch call ends by then, answer or "
                    + "not (default: ${DEFAULT-VALUE})")
    Duration maxRequestTimeout;

    @Option(names = "--prepared-lifetime", converter = DurationConverter.class,
            defaultValue = EngineOptions.DEFAULT_PREPARED_LIFETIME_MS / 3_600_000 + "h",
            description = "a prepared saga without timeout_to_fail fails if not submitted within this "
                    + "(default: ${DEFAULT-VALUE})")
    Duration preparedLifetime;

    @Option(names = "--drive-wait", converter = DurationConverter.class,
            defaultValue = EngineOptions.DEFAULT_PERMIT_WAIT_MS / 1000 + "s",
            description = "how long a submit waits for room (--max-drives) before it is refused with 503 and "
                    + "Retry-After, nothing stored (default: ${DEFAULT-VALUE})")
    Duration driveWait;

    @Option(names = "--max-connections", defaultValue = "" + ServerConfig.DEFAULT_MAX_CONNECTIONS,
            description = "open client connections at most; more wait to be accepted; one address holds half of them "
                    + "at most, and a request head must arrive within 10 s (default: ${DEFAULT-VALUE})")
    int maxConnections;

    @Option(names = "--store-pool", defaultValue = "" + StoreFactory.DEFAULT_POOL_SIZE,
            description = {"connections to a JDBC store (default: "
            + "${DEFAULT-VALUE}); instances sharing a database share its connection limit (PostgreSQL's "
            + "max_connections, 100 by default)"})
    int storePool;

    @Option(names = "--branch-limit", defaultValue = "" + ServerConfig.DEFAULT_BRANCH_LIMIT,
            description = {"calls in flight to one branch "
            + "destination (host and port) at most (default: ${DEFAULT-VALUE}); below it the limit adapts: it grows "
            + "while calls are answered and shrinks on timeouts and 5xx, and calls beyond it wait in the coordinator"})
    int branchLimit;

    @Option(names = "--retry-budget", paramLabel = "PERCENT",
            defaultValue = "" + (int) (FlowControl.DEFAULT_RETRY_SHARE * 100), description = {"failing retries "
            + "add at most this share of a destination's load (default: ${DEFAULT-VALUE}); beyond it a retry waits "
            + "for its next due time"})
    double retryBudget;

    @Option(names = "--max-request-bytes", defaultValue = "" + ServerConfig.DEFAULT_MAX_REQUEST_BYTES,
            description = "largest request body accepted (default: ${DEFAULT-VALUE})")
    int maxRequestBytes;

    @Option(names = "--retention", converter = DurationConverter.class,
            defaultValue = StoreFactory.DEFAULT_RETENTION_DAYS + "d", description = {
        "how long finished transactions are kept whole (default: ${DEFAULT-VALUE}); then only their gid and final "
            + "status stay, so the gid is never run again. 0 keeps them for ever (SQL stores only)"})
    Duration retention;

    @Option(names = "--instance-id", description = "name of this instance in leases (default: generated)")
    String instanceId;

    @Option(names = "--api-token", split = ",", paramLabel = "TOKEN", description = {"a bearer token of the submit scope (newGid, "
            + "prepare, submit, query); repeatable; also REDSAGA_API_TOKENS (comma-separated) and --api-token-file"})
    List<String> apiTokens = new ArrayList<>();

    @Option(names = "--admin-token", split = ",", paramLabel = "TOKEN", description = {"a bearer token of the admin scope (also "
            + "abort, forceStop, all); repeatable; also REDSAGA_ADMIN_TOKENS and --admin-token-file"})
    List<String> adminTokens = new ArrayList<>();

    @Option(names = "--metrics-token", split = ",", paramLabel = "TOKEN", description = {"a bearer token that may only read "
            + "/api/metrics (give it to Prometheus); repeatable; also REDSAGA_METRICS_TOKENS and --metrics-token-file. "
            + "An admin token reads it too"})
    List<String> metricsTokens = new ArrayList<>();

    @Option(names = "--api-token-file", paramLabel = "FILE", description = "submit-scope tokens, one per line")
    Path apiTokenFile;

    @Option(names = "--admin-token-file", paramLabel = "FILE", description = "admin-scope tokens, one per line")
    Path adminTokenFile;

    @Option(names = "--metrics-token-file", paramLabel = "FILE", description = "metrics-scope tokens, one per line")
    Path metricsTokenFile;

    @Option(names = "--allow-anonymous", description = "serve callers without a token on a non-loopback address "
            + "(a trusted network only; on loopback, no token is needed anyway unless tokens are given)")
    boolean allowAnonymous;

    @Option(names = "--allow-origin", split = ",", paramLabel = "ORIGIN", description = "a browser origin (https://host[:port]) "
            + "whose pages may call the API; repeatable (default: none)")
    List<String> allowedOrigins = new ArrayList<>();

    @Option(names = "--branch-allow", split = ",", paramLabel = "RULE", description = {"only call branch URLs that match: a CIDR "
            + "(10.0.0.0/8), a host name (svc.internal) or a URL prefix (http://svc:8080/api/); repeatable. Without any:",
        "  all but link-local and cloud-metadata addresses and this server's own port"})
    List<String> branchAllow = new ArrayList<>();

    @Option(names = "--otlp-endpoint", paramLabel = "URL", description = {"export spans (a request's and each "
            + "branch call's) by OTLP/HTTP to URL, e.g. http://127.0.0.1:4318/v1/traces; also "
            + "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. Without it the "
            + "trace context is passed on to the branches and nothing is recorded"})
    String otlpEndpoint;

    @Option(names = "--alert-webhook", paramLabel = "URL", description = {"POST a JSON alert to URL when a branch has "
            + "failed --alert-after times in a row, and every --alert-after failures after (DTM's AlertWebHook)"})
    String alertWebhook;

    @Option(names = "--alert-after", defaultValue = "" + Observability.DEFAULT_ALERT_AFTER, paramLabel = "N",
            description = "failures of one branch that make an alert (default: ${DEFAULT-VALUE})")
    int alertAfter;

    @Option(names = "--config", paramLabel = "FILE", description = "a settings file (Java properties: port=36789, "
            + "store=..., one line per option, without the dashes); also REDSAGA_CONFIG")
    Path configFile;

    /** Where the settings variables are read from (the process environment; tests give their own). */
    Map<String, String> environment = System.getenv();

    /** For each option not given on the command line, where its value came from (for error messages). */
    final Map<String, String> origins = new java.util.HashMap<>();

    private Map<String, String> settings;

    /** The settings file's lines, read once ({@code --config}, else {@code REDSAGA_CONFIG}; none: empty). */
    Map<String, String> settingsFile(CommandLine.Model.CommandSpec spec) {
        if (settings == null) {
            Path file = settingsPath();
            settings = file == null ? Map.of() : ServerSettings.read(file, spec);
        }
        return settings;
    }

    Path settingsPath() {
        if (configFile != null) {
            return configFile;
        }
        String variable = environment.get("REDSAGA_CONFIG");
        return variable == null || variable.isBlank() ? null : Path.of(variable.strip());
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Builds the configuration from the options; a bad value is a {@link CommandLine.ParameterException}. */
    public ServerConfig config() {
        try {
            EngineOptions engine = EngineOptions.builder().defaultRequestTimeoutMs(requestTimeout.toMillis())
                    .defaultRetryIntervalMs(retryInterval.toMillis()).retryCapMs(retryCap.toMillis())
                    .leaseMs(lease.toMillis()).maxConcurrentDrives(maxDrives)
                    .maxRequestTimeoutMs(maxRequestTimeout.toMillis()).preparedLifetimeMs(preparedLifetime.toMillis())
                    .permitWaitMs(driveWait.toMillis()).build();
            AccessPolicy access = AccessPolicy.of(host,
                    tokens(apiTokens, environment.get("REDSAGA_API_TOKENS"), apiTokenFile, "--api-token-file"),
                    tokens(adminTokens, environment.get("REDSAGA_ADMIN_TOKENS"), adminTokenFile, "--admin-token-file"),
                    tokens(metricsTokens, environment.get("REDSAGA_METRICS_TOKENS"), metricsTokenFile,
                            "--metrics-token-file"),
                    allowAnonymous, allowedOrigins);
            BranchUrlPolicy branches = branchAllow.isEmpty() ? BranchUrlPolicy.defaults()
                    : BranchUrlPolicy.allowing(branchAllow);
            if (maxConnections < 1) {
                throw new IllegalArgumentException("--max-connections must be at least 1, was " + maxConnections);
            }
            if (storePool < 1 || storePool > 1_000) {
                throw new IllegalArgumentException("--store-pool must be between 1 and 1000, was " + storePool);
            }
            if (branchLimit < 1 || branchLimit > 10_000) {
                throw new IllegalArgumentException("--branch-limit must be between 1 and 10000, was " + branchLimit);
            }
            if (retryBudget < 0 || retryBudget > 100) {
                throw new IllegalArgumentException("--retry-budget is a percentage between 0 and 100, was "
                        + retryBudget);
            }
            return ServerConfig.builder().host(host).port(port).store(store).engine(engine)
                    .maxRequestBytes(maxRequestBytes).instanceId(instanceId).access(access).branches(branches)
                    .maxConnections(maxConnections).storePoolSize(storePool)
                    .branchFlow(FlowControl.defaults(branchLimit).withRetryShare(retryBudget / 100.0))
                    .observability(new Observability(otlpEndpoint(), alertWebhook, alertAfter)).retention(retention)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage() + originsOf(e.getMessage()));
        }
    }

    /** Where the options a message names got their values, when not from the command line. */
    private String originsOf(String message) {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, String> o : new java.util.TreeMap<>(origins).entrySet()) {
            if (message != null && message.contains(o.getKey())) {
                out.append(out.isEmpty() ? " (" : "; ").append(o.getKey()).append(" came from ").append(o.getValue());
            }
        }
        return out.isEmpty() ? "" : out.append(')').toString();
    }

    /**
     * {@code standard}, saying where a bad value came from when it was not the command line (a variable, the settings
     * file): picocli's own message names only the option.
     */
    public static CommandLine.IParameterExceptionHandler explainingOrigins(
            CommandLine.IParameterExceptionHandler standard) {
        return (ex, args) -> {
            if (ex.getCommandLine().getCommand() instanceof ServerCommand server
                    && ex.getArgSpec() instanceof CommandLine.Model.OptionSpec option
                    && server.origins.containsKey(option.longestName())) {
                ex = new CommandLine.ParameterException(ex.getCommandLine(), ex.getMessage() + " ("
                        + option.longestName() + " came from " + server.origins.get(option.longestName()) + ")",
                        ex, ex.getArgSpec(), ex.getValue());
            }
            return standard.handleParseException(ex, args);
        };
    }

    /** The OTLP traces endpoint: the option, else OpenTelemetry's own variables; {@code null} for none. */
    private String otlpEndpoint() {
        if (otlpEndpoint != null) {
            return otlpEndpoint;
        }
        String traces = environment.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        if (traces != null && !traces.isBlank()) {
            return traces.strip();
        }
        String base = environment.get("OTEL_EXPORTER_OTLP_ENDPOINT");
        if (base != null && !base.isBlank()) {
            return base.strip().replaceAll("/+$", "") + "/v1/traces";
        }
        return null;
    }

    /** The tokens of one scope: given as options, in the variable (comma-separated), and in the file. */
    private List<String> tokens(List<String> given, String variable, Path file, String fileOption) {
        List<String> out = new ArrayList<>(given);
        if (variable != null) {
            for (String t : variable.split(",")) {
                if (!t.isBlank()) {
                    out.add(t.strip());
                }
            }
        }
        if (file != null) {
            try {
                for (String line : Files.readAllLines(file)) {
                    if (!line.isBlank() && !line.strip().startsWith("#")) {
                        out.add(line.strip());
                    }
                }
            } catch (IOException e) {
                throw new IllegalArgumentException(fileOption + " " + file + " cannot be read: " + e.getMessage());
            }
        }
        return out;
    }

    @Override
    public Integer call() throws InterruptedException {
        ServerConfig config = config();
        RedsagaServer server;
        try {
            server = RedsagaServer.start(config);
        } catch (StoreException | UncheckedIOException e) {
            spec.commandLine().getErr().println("redsaga: " + e.getMessage());
            return 2;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "redsaga-shutdown"));
        spec.commandLine().getOut().printf("redsaga listening on %s (store %s); Ctrl-C stops it%n",
                server.baseUrl(), server.store().describe());
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }

    /** Runs only the server command (used to start coordinators as separate processes). */
    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new ServerCommand());
        cl.setParameterExceptionHandler(explainingOrigins(cl.getParameterExceptionHandler()));
        System.exit(cl.execute(args));
    }
}
