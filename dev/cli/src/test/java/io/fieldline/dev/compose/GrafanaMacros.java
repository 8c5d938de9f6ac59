package io.fieldline.dev.compose;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Grafana's PostgreSQL macros and template variables, expanded as Grafana's PostgreSQL data source expands them
 * before it sends a panel's SQL: {@code $__timeFilter(column)} becomes {@code column BETWEEN 'from' AND 'to'};
 * {@code $__timeFrom()}, {@code $__timeTo()} the quoted bounds; {@code $__timeGroup(column, interval)} a bucket
 * expression ({@code time_bucket} when the data source has the TimescaleDB option, as compose's has, else
 * {@code floor(extract(epoch ...))}), {@code $__timeGroupAlias} the same named {@code "time"}; {@code $__interval}
 * an interval such as {@code 1m}; a multi-value variable {@code $name} or {@code ${name}} its values, each quoted,
 * comma-separated.
 */
final class GrafanaMacros {

    private static final Pattern CALL =
            Pattern.compile("\\$__(timeFilter|timeGroupAlias|timeGroup|timeFrom|timeTo)\\(([^)]*)\\)");
    private static final Pattern INTERVAL = Pattern.compile("'?\\s*(\\d+)(ms|s|m|h|d)\\s*'?");

    private final Instant from;
    private final Instant to;
    private final String interval;
    private final boolean timescaledb;
    private final Map<String, List<String>> variables;

    GrafanaMacros(Instant from, Instant to, String interval, boolean timescaledb, Map<String, List<String>> variables) {
        this.from = from.truncatedTo(ChronoUnit.SECONDS);
        this.to = to.truncatedTo(ChronoUnit.SECONDS);
        this.interval = interval;
        this.timescaledb = timescaledb;
        this.variables = variables;
    }

    String expand(String sql) {
        String text = sql.replace("$__interval_ms", String.valueOf(seconds(interval) * 1000))
                .replace("${__interval}", interval)
                .replace("$__interval", interval);
        for (Map.Entry<String, List<String>> variable : variables.entrySet()) {
            if (variable.getValue().isEmpty() && text.contains("$" + variable.getKey())) {
                throw new IllegalArgumentException("variable $" + variable.getKey() + " has no value");
            }
            String values = variable.getValue().stream()
                    .map(v -> "'" + v.replace("'", "''") + "'")
                    .collect(Collectors.joining(","));
            text = text.replace("${" + variable.getKey() + "}", values)
                    .replaceAll("\\$" + Pattern.quote(variable.getKey()) + "\\b", Matcher.quoteReplacement(values));
        }
        Matcher call = CALL.matcher(text);
        StringBuilder out = new StringBuilder();
        while (call.find()) {
            String[] args = call.group(2).split(",");
            String column = args[0].trim();
            String replacement = switch (call.group(1)) {
                case "timeFilter" -> column + " BETWEEN '" + from + "' AND '" + to + "'";
                case "timeFrom" -> "'" + from + "'";
                case "timeTo" -> "'" + to + "'";
                case "timeGroup" -> bucket(column, args[1]);
                case "timeGroupAlias" -> bucket(column, args[1]) + " AS \"time\"";
                default -> throw new IllegalArgumentException(call.group());
            };
            call.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        call.appendTail(out);
        if (out.indexOf("$") >= 0
                && Pattern.compile("\\$(__|\\{|[A-Za-z])").matcher(out).find()) {
            throw new IllegalArgumentException("a macro or variable left unexpanded in: " + out);
        }
        return out.toString();
    }

    private String bucket(String column, String intervalArgument) {
        long seconds = seconds(intervalArgument);
        return timescaledb
                ? "time_bucket('" + seconds + "s', " + column + ")"
                : "floor(extract(epoch from " + column + ")/" + seconds + ")*" + seconds;
    }

    static long seconds(String interval) {
        Matcher m = INTERVAL.matcher(interval.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not an interval: " + interval);
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        return Math.max(1, d.toSeconds());
    }
}
