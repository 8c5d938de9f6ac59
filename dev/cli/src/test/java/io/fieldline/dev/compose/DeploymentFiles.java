package io.fieldline.dev.compose;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The deployment in {@code compose/}, read the way Docker Compose reads it: YAML with anchors and merge keys resolved,
 * and {@code ${VARIABLE}} references interpolated from an env file ({@code .env.example} in the tests).
 */
final class DeploymentFiles {

    private static final Pattern VARIABLE =
            Pattern.compile("\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?}|\\$([A-Za-z_][A-Za-z0-9_]*)");

    private DeploymentFiles() {}

    /** The {@code compose/} folder of the repository (tests run in their module's folder). */
    static Path dir() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("compose").resolve("docker-compose.yml"))) {
                return dir.resolve("compose");
            }
        }
        throw new IllegalStateException(
                "no compose/docker-compose.yml above " + Path.of("").toAbsolutePath());
    }

    static Path file(String relative) {
        return dir().resolve(relative);
    }

    static String read(String relative) {
        try {
            return Files.readString(file(relative), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A YAML document as maps and lists, merge keys ({@code <<: *anchor}) applied. */
    static Map<String, Object> yaml(String relative) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Map<String, Object> document = new Yaml(options).load(read(relative));
        return document;
    }

    /** The variables of an env file ({@code KEY=VALUE} lines; comments and blank lines skipped). */
    static Map<String, String> envFile(String relative) {
        Map<String, String> variables = new LinkedHashMap<>();
        for (String line : read(relative).split("\n")) {
            String trimmed = line.trim();
            if (trimmed.isEmpty() || trimmed.startsWith("#") || !trimmed.contains("=")) {
                continue;
            }
            variables.put(
                    trimmed.substring(0, trimmed.indexOf('=')).trim(),
                    trimmed.substring(trimmed.indexOf('=') + 1).trim());
        }
        return variables;
    }

    /**
     * Compose's interpolation: {@code ${VAR}}, {@code ${VAR:-default}}, {@code ${VAR-default}}, {@code ${VAR:?error}},
     * {@code ${VAR?error}}, {@code $VAR}, and {@code $$} for a literal dollar.
     *
     * @throws IllegalArgumentException for a required variable that is unset (or empty, with {@code :?})
     */
    static String interpolate(String text, Map<String, String> variables) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group().equals("$$")) {
                replacement = "$";
            } else if (m.group(4) != null) {
                replacement = variables.getOrDefault(m.group(4), "");
            } else {
                String name = m.group(1);
                String value = variables.get(name);
                String operator = m.group(2);
                boolean unset =
                        operator != null && operator.startsWith(":") ? value == null || value.isEmpty() : value == null;
                if (operator == null) {
                    replacement = value == null ? "" : value;
                } else if (operator.endsWith("-")) {
                    replacement = unset ? m.group(3) : value;
                } else if (unset) {
                    throw new IllegalArgumentException(name + ": " + m.group(3));
                } else {
                    replacement = value;
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The services of a compose document, by name. */
    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> services(Map<String, Object> compose) {
        return (Map<String, Map<String, Object>>) (Map<String, ?>) compose.get("services");
    }

    /** A service's environment as a map, whether written as a map or as a list of {@code KEY=VALUE}. */
    static Map<String, String> environment(Map<String, Object> service) {
        Map<String, String> environment = new LinkedHashMap<>();
        Object raw = service.get("environment");
        if (raw instanceof Map<?, ?> map) {
            map.forEach((k, v) -> environment.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
        } else if (raw instanceof List<?> list) {
            for (Object entry : list) {
                String text = String.valueOf(entry);
                int eq = text.indexOf('=');
                environment.put(eq < 0 ? text : text.substring(0, eq), eq < 0 ? "" : text.substring(eq + 1));
            }
        }
        return environment;
    }

    /** A string, or each element of a list, as a list of strings (commands, entrypoints, health check tests). */
    static List<String> strings(Object raw) {
        List<String> strings = new ArrayList<>();
        if (raw instanceof List<?> list) {
            list.forEach(item -> strings.add(String.valueOf(item)));
        } else if (raw != null) {
            strings.add(String.valueOf(raw));
        }
        return strings;
    }
}
