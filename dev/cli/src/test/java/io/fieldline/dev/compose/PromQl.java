package io.fieldline.dev.compose;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression selects, found lexically: selectors' names (identifiers that are not
 * functions, aggregations, keywords or label names) and {@code __name__} matchers. promtool checks the syntax; this
 * finds the names, so that a test can compare them with what the services expose.
 */
final class PromQl {

    private static final Set<String> KEYWORDS = Set.of(
            "and",
            "or",
            "unless",
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "bool",
            "offset",
            "inf",
            "nan",
            "atan2");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern NAME_MATCHER =
            Pattern.compile("__name__\\s*(=~|=|!=|!~)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING =
            Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");

    private PromQl() {}

    /** What an expression selects: plain metric names, and the regular expressions of {@code __name__=~} matchers. */
    record Selected(Set<String> names, Set<String> namePatterns) {}

    static Selected select(String expression) {
        Set<String> names = new TreeSet<>();
        Set<String> patterns = new TreeSet<>();
        Matcher nameMatcher = NAME_MATCHER.matcher(expression);
        while (nameMatcher.find()) {
            if (nameMatcher.group(1).equals("=")) {
                names.add(nameMatcher.group(2));
            } else if (nameMatcher.group(1).equals("=~")) {
                patterns.add(nameMatcher.group(2).replace("\\\\", "\\"));
            }
        }
        String text = MATCHERS.matcher(expression).replaceAll(" ");
        text = STRING.matcher(text).replaceAll(" ");
        text = RANGE.matcher(text).replaceAll(" ");
        text = GROUPING.matcher(text).replaceAll(" ");
        Matcher identifier = IDENTIFIER.matcher(text);
        while (identifier.find()) {
            String token = identifier.group();
            int after = identifier.end();
            while (after < text.length() && Character.isWhitespace(text.charAt(after))) {
                after++;
            }
            boolean call = after < text.length() && text.charAt(after) == '(';
            boolean partOfNumber = identifier.start() > 0
                    && (Character.isDigit(text.charAt(identifier.start() - 1))
                            || text.charAt(identifier.start() - 1) == '.');
            if (!call && !partOfNumber && !KEYWORDS.contains(token.toLowerCase(java.util.Locale.ROOT))) {
                names.add(token);
            }
        }
        return new Selected(names, patterns);
    }

    /** Grafana's own variables in a PromQL expression, as Grafana would fill them in for a 1-hour view. */
    static String expandGrafana(String expression) {
        return expression
                .replace("$__rate_interval", "1m")
                .replace("${__rate_interval}", "1m")
                .replace("$__interval", "1m")
                .replace("$__range", "1h");
    }

    static List<String> sorted(Set<String> names) {
        return names.stream().sorted().toList();
    }
}
