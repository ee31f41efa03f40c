package dev.redsaga.server.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where the server's settings come from besides the command line, in this order: a {@code REDSAGA_*} environment
 * variable named after the option ({@code --max-drives} is {@code REDSAGA_MAX_DRIVES}), then the settings file
 * ({@code --config FILE} or {@code REDSAGA_CONFIG}; Java properties named after the options without the dashes:
 * {@code max-drives=4096}), then the option's default. Every value, wherever it came from, goes through the same
 * conversion and the same checks ({@link ServerCommand#config()}); a bad one is reported with where it came from.
 * Tokens come from their own variables ({@code REDSAGA_API_TOKENS}, ...) or files, or the settings file.
 */
public final class ServerSettings implements CommandLine.IDefaultValueProvider {
    /** Options that are no settings. */
    private static final Set<String> NOT_SETTINGS = Set.of("--config", "--help", "--version");
    /** Tokens have variables of their own (plural, comma-separated: {@code REDSAGA_API_TOKENS}). */
    private static final Set<String> TOKENS = Set.of("--api-token", "--admin-token", "--metrics-token");

    @Override
    public String defaultValue(ArgSpec arg) throws Exception {
        if (!(arg instanceof OptionSpec option) || !(arg.command().userObject() instanceof ServerCommand server)) {
            return null;
        }
        String name = option.longestName();
        if (NOT_SETTINGS.contains(name)) {
            return null;
        }
        if (!TOKENS.contains(name)) {
            String variable = variableOf(name);
            String value = server.environment.get(variable);
            if (value != null && !value.isBlank()) {
                server.origins.put(name, "the environment variable " + variable);
                return value.strip();
            }
        }
        Map<String, String> file = server.settingsFile(arg.command());
        String value = file.get(name.substring(2));
        if (value != null) {
            server.origins.put(name, "the setting " + name.substring(2) + " of " + server.settingsPath());
        }
        return value;
    }

    /** {@code --max-drives} → {@code REDSAGA_MAX_DRIVES}. */
    static String variableOf(String option) {
        return "REDSAGA_" + option.substring(2).replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /**
     * Reads the settings file: every key must name an option of the server.
     *
     * @throws CommandLine.ParameterException for a file that cannot be read or a key that is no option
     */
    static Map<String, String> read(Path file, CommandLine.Model.CommandSpec spec) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "the settings file " + file
                    + " cannot be read: " + e.getMessage());
        }
        Set<String> known = new TreeSet<>();
        for (OptionSpec o : spec.options()) {
            if (o.longestName().startsWith("--") && !NOT_SETTINGS.contains(o.longestName())) {
                known.add(o.longestName().substring(2));
            }
        }
        Map<String, String> out = new HashMap<>();
        for (String key : p.stringPropertyNames()) {
            if (!known.contains(key)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "the settings file " + file
                        + " has '" + key + "', which is no setting of the server; the settings are " + known);
            }
            out.put(key, p.getProperty(key).strip());
        }
        return Map.copyOf(out);
    }
}
