package io.fieldline.bridge.mqtt.route;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An MQTT topic filter whose wildcard levels may carry names, for example
 * {@code sites/{site}/rooms/{room}/devices/{device}/telemetry}. Levels are:
 * <ul>
 *   <li>a literal, matched exactly;</li>
 *   <li>{@code {name}}: exactly one level, captured under {@code name} (MQTT {@code +});</li>
 *   <li>{@code +}: exactly one level, not captured;</li>
 *   <li>{@code {name#}} (last level only): the remaining levels, zero or more, joined by {@code /}
 *       and captured under {@code name}; absent when there are none (MQTT {@code #}, which also
 *       matches the parent level);</li>
 *   <li>{@code #} (last level only): the remaining levels, not captured.</li>
 * </ul>
 * As in MQTT, a pattern starting with a wildcard does not match topics starting with {@code $}.
 * Immutable and thread-safe.
 */
public final class TopicPattern {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final String text;
    private final List<Level> levels;
    private final Set<String> names;

    private enum Kind {
        LITERAL,
        ONE,
        REST
    }

    private record Level(Kind kind, String literal, String name) {}

    private TopicPattern(String text, List<Level> levels, Set<String> names) {
        this.text = text;
        this.levels = levels;
        this.names = names;
    }

    /**
     * Parses a pattern.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static TopicPattern parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("topic pattern is empty");
        }
        if (text.startsWith("$share/")) {
            throw new IllegalArgumentException("give the plain filter; the shared-subscription prefix is added from "
                    + "mqtt.shared.group: " + text);
        }
        String[] parts = text.split("/", -1);
        List<Level> levels = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            boolean last = i == parts.length - 1;
            Level level;
            if (part.equals("+")) {
                level = new Level(Kind.ONE, null, null);
            } else if (part.equals("#")) {
                level = new Level(Kind.REST, null, null);
            } else if (part.startsWith("{") && part.endsWith("}")) {
                String inner = part.substring(1, part.length() - 1);
                boolean rest = inner.endsWith("#");
                String name = rest ? inner.substring(0, inner.length() - 1) : inner;
                if (!NAME.matcher(name).matches()) {
                    throw new IllegalArgumentException("bad segment name '" + name + "' in topic pattern " + text
                            + " (letters, digits and _, not starting with a digit)");
                }
                if (!names.add(name)) {
                    throw new IllegalArgumentException(
                            "segment name '" + name + "' used twice in topic pattern " + text);
                }
                level = new Level(rest ? Kind.REST : Kind.ONE, null, name);
            } else {
                if (part.contains("+") || part.contains("#") || part.contains("{") || part.contains("}")) {
                    throw new IllegalArgumentException("level '" + part + "' of topic pattern " + text
                            + " mixes text with a wildcard; a wildcard must be a whole level");
                }
                level = new Level(Kind.LITERAL, part, null);
            }
            if (level.kind() == Kind.REST && !last) {
                throw new IllegalArgumentException(
                        "multi-level wildcard must be the last level of topic pattern " + text);
            }
            levels.add(level);
        }
        return new TopicPattern(text, List.copyOf(levels), Collections.unmodifiableSet(names));
    }

    /** The pattern as written. */
    public String text() {
        return text;
    }

    /** The names of the captured segments, in order. */
    public Set<String> names() {
        return names;
    }

    /** The MQTT topic filter to subscribe to: named levels become {@code +} or {@code #}. */
    public String mqttFilter() {
        StringBuilder filter = new StringBuilder();
        for (Level level : levels) {
            if (filter.length() > 0) {
                filter.append('/');
            }
            filter.append(
                    switch (level.kind()) {
                        case LITERAL -> level.literal();
                        case ONE -> "+";
                        case REST -> "#";
                    });
        }
        return filter.toString();
    }

    /** The captured segments when the topic matches (possibly empty), else empty. */
    public Optional<Map<String, String>> match(String topic) {
        if (topic == null || topic.isEmpty()) {
            return Optional.empty();
        }
        if (topic.startsWith("$") && levels.get(0).kind() != Kind.LITERAL) {
            return Optional.empty();
        }
        String[] parts = topic.split("/", -1);
        Map<String, String> captured = new LinkedHashMap<>();
        for (int i = 0; i < levels.size(); i++) {
            Level level = levels.get(i);
            if (level.kind() == Kind.REST) {
                if (i < parts.length && level.name() != null) {
                    captured.put(
                            level.name(),
                            String.join("/", java.util.Arrays.asList(parts).subList(i, parts.length)));
                }
                return Optional.of(captured);
            }
            if (i >= parts.length) {
                return Optional.empty();
            }
            if (level.kind() == Kind.LITERAL) {
                if (!level.literal().equals(parts[i])) {
                    return Optional.empty();
                }
            } else if (level.name() != null) {
                captured.put(level.name(), parts[i]);
            }
        }
        return parts.length == levels.size() ? Optional.of(captured) : Optional.empty();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TopicPattern pattern && pattern.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
