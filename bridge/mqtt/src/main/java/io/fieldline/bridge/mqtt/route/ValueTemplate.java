package io.fieldline.bridge.mqtt.route;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A string with {@code {segment}} placeholders filled from a topic match, for example
 * {@code {edge}/{device}} or {@code {site}-{room}}. A placeholder whose segment is missing or
 * empty renders as nothing and takes one adjacent separator ({@code / . - _ :}) with it, so that
 * {@code {edge}/{device}} renders {@code edge-1} for a node-level Sparkplug topic. Immutable.
 */
public final class ValueTemplate {

    private static final String SEPARATORS = "/.-_:";

    private final String text;
    private final List<Part> parts;
    private final Set<String> names;

    private record Part(String literal, String name) {}

    private ValueTemplate(String text, List<Part> parts, Set<String> names) {
        this.text = text;
        this.parts = parts;
        this.names = names;
    }

    /**
     * Parses a template.
     *
     * @throws IllegalArgumentException for an unclosed or empty placeholder
     */
    public static ValueTemplate parse(String text) {
        List<Part> parts = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        int i = 0;
        while (i < text.length()) {
            int open = text.indexOf('{', i);
            if (open < 0) {
                parts.add(new Part(text.substring(i), null));
                break;
            }
            if (open > i) {
                parts.add(new Part(text.substring(i, open), null));
            }
            int close = text.indexOf('}', open);
            if (close < 0) {
                throw new IllegalArgumentException("unclosed '{' in template " + text);
            }
            String name = text.substring(open + 1, close).trim();
            if (name.isEmpty()) {
                throw new IllegalArgumentException("empty placeholder '{}' in template " + text);
            }
            parts.add(new Part(null, name));
            names.add(name);
            i = close + 1;
        }
        return new ValueTemplate(text, List.copyOf(parts), Set.copyOf(names));
    }

    /** The segment names the template refers to. */
    public Set<String> names() {
        return names;
    }

    /** Whether the template is plain text with no placeholder. */
    public boolean isConstant() {
        return names.isEmpty();
    }

    /** The template filled from the captured segments; empty when every part is empty. */
    public String render(Map<String, String> segments) {
        StringBuilder out = new StringBuilder();
        boolean dropLeadingSeparator = false;
        for (Part part : parts) {
            if (part.literal() != null) {
                String literal = part.literal();
                if (dropLeadingSeparator && !literal.isEmpty() && SEPARATORS.indexOf(literal.charAt(0)) >= 0) {
                    literal = literal.substring(1);
                }
                dropLeadingSeparator = false;
                out.append(literal);
                continue;
            }
            String value = segments.get(part.name());
            if (value == null || value.isEmpty()) {
                int last = out.length() - 1;
                if (last >= 0 && SEPARATORS.indexOf(out.charAt(last)) >= 0) {
                    out.setLength(last);
                } else if (out.length() == 0) {
                    dropLeadingSeparator = true;
                }
            } else {
                dropLeadingSeparator = false;
                out.append(value);
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return text;
    }
}
