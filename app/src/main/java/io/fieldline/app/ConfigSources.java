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
import org.apache.kafka.common.config.ConfigException;

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
    static final java.util.Set<String> LAUNCHER_VARIABLES =
            java.util.Set.of("FIELDLINE_JAVA_OPTS", "FIELDLINE_HOME", "FIELDLINE_CDS");

    /**
     * {@code FIELDLINE_SINK_BATCH_SIZE=500} becomes {@code sink.batch.size=500}; other variables (and the launchers'
     * own {@code FIELDLINE_JAVA_OPTS}) are ignored.
     */
    public static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> keys = new TreeMap<>();
        Map<String, String> fromFiles = new TreeMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX)
                    && name.length() > ENV_PREFIX.length()
                    && !LAUNCHER_VARIABLES.contains(name)) {
                String key = keyForEnvironmentVariable(name);
                if (isSecretFileVariable(name, key)) {
                    fromFiles.put(key.substring(0, key.length() - FILE_SUFFIX.length()), name);
                } else {
                    keys.put(key, value);
                }
            }
        });
        fromFiles.forEach((key, variable) -> {
            if (keys.containsKey(key)) {
                throw new ConfigException(
                        key,
                        "[hidden]",
                        "set by both " + environmentVariableForKey(key) + " and " + variable + ": set only one");
            }
            keys.put(key, readSecretFile(variable, environment.get(variable)));
        });
        return keys;
    }

    private static final String FILE_SUFFIX = ".file";

    /** Keys that end in .file themselves: their variables name the key, not a secret file. */
    private static volatile java.util.Set<String> fileKeys;

    private static boolean isSecretFileVariable(String name, String key) {
        return name.endsWith("_FILE")
                && key.length() > FILE_SUFFIX.length()
                && !fileKeys().contains(key);
    }

    private static java.util.Set<String> fileKeys() {
        java.util.Set<String> known = fileKeys;
        if (known == null) {
            known = new java.util.HashSet<>();
            for (org.apache.kafka.common.config.ConfigDef def :
                    ConfigReference.sections().values()) {
                for (String key : def.names()) {
                    if (key.endsWith(FILE_SUFFIX)) {
                        known.add(key);
                    }
                }
            }
            fileKeys = known;
        }
        return known;
    }

    /** The content of a secret file, without its last line break; never echoed in an error. */
    static String readSecretFile(String variable, String path) {
        try {
            String content = Files.readString(Path.of(path), StandardCharsets.UTF_8);
            if (content.endsWith("\r\n")) {
                return content.substring(0, content.length() - 2);
            }
            return content.endsWith("\n") ? content.substring(0, content.length() - 1) : content;
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw new ConfigException(
                    variable,
                    path,
                    "cannot read the secret file: " + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
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
