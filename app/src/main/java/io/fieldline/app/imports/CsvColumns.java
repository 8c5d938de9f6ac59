package io.fieldline.app.imports;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The columns of a farm CSV upload, mapped to Fieldline's sensor names by the rules of the farm systems Fieldline
 * replaces: a header is lower-cased, trimmed and stripped of {@code ( ) °}; runs of spaces, underscores and hyphens
 * count as one space; the result is looked up among the aliases below, each of which may also carry its unit
 * ({@code Weight (kg)}, {@code Temperature °C}). A {@code date} (or {@code timestamp}) column is required, and at least
 * one metric; {@code room} is optional. Other columns are ignored and reported.
 */
public final class CsvColumns {

    /** What a column holds. */
    public enum Kind {
        DATE,
        ROOM,
        METRIC
    }

    /**
     * A column's meaning.
     *
     * @param kind   date, room or a metric
     * @param sensor the sensor name of a metric ({@code eggs_produced}, ...); {@code date} or {@code room_id} otherwise
     * @param unit   the unit of a metric's readings; null otherwise
     */
    public record Column(Kind kind, String sensor, String unit) {}

    /** The metrics: sensor name, unit, the unit words a header may end with, and the aliases. */
    private record Metric(String sensor, String unit, List<String> unitWords, List<String> aliases) {}

    private static final List<Metric> METRICS = List.of(
            new Metric("eggs_produced", "count", List.of(), List.of("eggs", "eggs produced")),
            new Metric("avg_weight_kg", "kg", List.of("kg"), List.of("weight", "avg weight", "average weight")),
            new Metric("feed_consumed_kg", "kg", List.of("kg"), List.of("feed", "feed consumed")),
            new Metric("water_consumed_l", "l", List.of("l"), List.of("water", "water consumed")),
            new Metric("fcr", "ratio", List.of(), List.of("fcr", "feed conversion ratio")),
            new Metric("mortality_rate", "%", List.of("%", "pct"), List.of("mortality", "mortality rate")),
            new Metric("production_rate", "%", List.of("%", "pct"), List.of("production", "production rate")),
            new Metric("temperature_c", "degC", List.of("c"), List.of("temperature", "temp")),
            new Metric("humidity_pct", "%", List.of("%", "pct"), List.of("humidity")),
            new Metric("ammonia_ppm", "ppm", List.of("ppm"), List.of("ammonia")),
            // Not in the old upload's list, but the daily KPIs need them: live birds (mortality, production and FCR
            // per bird) and deaths (mortality).
            new Metric(
                    "birds_remaining",
                    "count",
                    List.of(),
                    List.of("birds", "birds remaining", "live birds", "hens", "flock size")),
            new Metric("deaths", "count", List.of(), List.of("deaths", "dead", "dead birds")));

    private static final Map<String, Column> BY_NAME = new LinkedHashMap<>();

    static {
        BY_NAME.put("date", new Column(Kind.DATE, "date", null));
        BY_NAME.put("timestamp", new Column(Kind.DATE, "date", null));
        BY_NAME.put("time", new Column(Kind.DATE, "date", null));
        BY_NAME.put("day", new Column(Kind.DATE, "date", null));
        BY_NAME.put("room", new Column(Kind.ROOM, "room_id", null));
        BY_NAME.put("room id", new Column(Kind.ROOM, "room_id", null));
        BY_NAME.put("house", new Column(Kind.ROOM, "room_id", null));
        for (Metric metric : METRICS) {
            Column column = new Column(Kind.METRIC, metric.sensor(), metric.unit());
            List<String> names = new ArrayList<>(metric.aliases());
            names.add(normalize(metric.sensor()));
            for (String name : names) {
                BY_NAME.put(name, column);
                for (String unit : metric.unitWords()) {
                    BY_NAME.put(name + " " + unit, column);
                }
            }
        }
    }

    private CsvColumns() {}

    /**
     * A header as the lookup sees it: lower-cased, stripped of {@code ( ) °} and of a byte-order mark, runs of
     * spaces, underscores and hyphens made one space, trimmed.
     */
    public static String normalize(String header) {
        String name = header.replace("\uFEFF", "").toLowerCase(Locale.ROOT);
        name = name.replaceAll("[()°]", " ");
        name = name.replaceAll("[\\s_-]+", " ");
        return name.trim();
    }

    /** What a header means, if Fieldline knows it. */
    public static Optional<Column> resolve(String header) {
        return Optional.ofNullable(BY_NAME.get(normalize(header)));
    }

    /** Every sensor name a metric column can map to. */
    public static List<String> sensors() {
        return METRICS.stream().map(Metric::sensor).toList();
    }
}
