package io.fieldline.app;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Where configuration comes from, lowest precedence first: a properties file, then environment
 * variables, then {@code --set key=value} options. This is the only class that reads the
 * environment; the modules receive plain maps and validate them with their own {@code ConfigDef}.
 *
 * <p>Environment variables map mechanically: {@code FIELDLINE_SINK_BATCH_SIZE} becomes
 * {@code sink.batch.size} (drop the prefix, lower-case, underscores become dots). Configuration
 * keys therefore use dots and never underscores.
 */
public final class ConfigSources {

    static final String ENV_PREFIX = "FIELDLINE_";

    private ConfigSources() {}

    /** Merges the file, this process's environment and the overrides; later ones win. */
    public static Map<String, String> load(Path file, Map<String, String> overrides) {
        return load(file, System.getenv(), overrides);
    }

    /** Merges the sources; later ones win. */
    public static Map<String, String> load(Path file, Map<String, String> environment, Map<String, String> overrides) {
        Map<String, String> merged = new TreeMap<>();
        if (file != null) {
            merged.putAll(readProperties(file));
        }
        merged.putAll(fromEnvironment(environment));
        merged.putAll(overrides);
        return merged;
    }

    /**
     * Variables of the launchers ({@code bin/fieldline}, {@code ./fieldline}) that share the prefix but are not
     * configuration keys.
     */
    static final java.util.Set<String> LAUNCHER_VARIABLES = java.util.Set.of("FIELDLINE_JAVA_OPTS", "FIELDLINE_HOME");

    /**
     * {@code FIELDLINE_SINK_BATCH_SIZE=500} becomes {@code sink.batch.size=500}; other variables (and the launchers'
     * own {@code FIELDLINE_JAVA_OPTS}) are ignored.
     */
    public static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> keys = new TreeMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX)
                    && name.length() > ENV_PREFIX.length()
                    && !LAUNCHER_VARIABLES.contains(name)) {
                keys.put(keyForEnvironmentVariable(name), value);
            }
        });
        return keys;
    }

    /** The configuration key an environment variable sets. */
    public static String keyForEnvironmentVariable(String name) {
        return name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** The environment variable that sets a configuration key. */
    public static String environmentVariableForKey(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static Map<String, String> readProperties(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read configuration file " + file, e);
        }
        Map<String, String> keys = new TreeMap<>();
        properties
                .stringPropertyNames()
                .forEach(k -> keys.put(k, properties.getProperty(k).trim()));
        return keys;
    }
}
