package io.fieldline.app.imports;

import io.fieldline.app.imports.CsvColumns.Column;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Source;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One CSV row to readings, as a pure function: one {@link Reading} per non-empty metric cell, of device
 * {@code csv-<room>}, source {@link Source#CSV}, at the row's time. A date without a time of day stands for the day:
 * its readings are stamped at noon in the KPI day zone ({@code streams.kpi.day.zone}), inside that calendar day
 * whatever daylight saving does, so the daily KPIs count them on that day. A row is rejected, with a reason, when
 * its date or a metric value does not parse, its room is empty, or it has no metric value at all.
 */
public final class CsvRowDecoder {

    /** The time of day a date-only row is stamped at. */
    public static final LocalTime DAY_STAMP = LocalTime.NOON;

    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern DECIMAL_COMMA = Pattern.compile("[+-]?\\d+,\\d+");
    private static final Pattern WITH_OFFSET = Pattern.compile(".*(Z|[+-]\\d\\d:\\d\\d)");
    private static final Set<String> MISSING = Set.of("", "na", "n/a", "null", "-");
    private static final DateTimeFormatter SLASHED_DATE = DateTimeFormatter.ofPattern("uuuu/MM/dd");
    private static final DateTimeFormatter SPACED_DATE_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm[:ss]");

    /** What became of a row. */
    public sealed interface Decoded permits Row, Rejected {}

    /**
     * A row's readings.
     *
     * @param room      the room
     * @param eventTime the time of every reading of the row
     * @param readings  one per metric value
     */
    public record Row(String room, Instant eventTime, List<Reading> readings) implements Decoded {}

    /** A row that cannot be imported, and why. */
    public record Rejected(String reason) implements Decoded {}

    private final CsvLayout layout;
    private final List<String> header;
    private final ZoneId zone;
    private final DateTimeFormatter dateFormat;
    private final String defaultRoom;
    private final String site;
    private final Clock clock;

    /**
     * @param layout      the file's columns
     * @param header      the header row as written, for the reasons
     * @param zone        the zone of dates and of times without an offset
     * @param dateFormat  the date (or date-time) pattern, or null for ISO dates and times
     * @param defaultRoom the room of every row when there is no room column
     * @param site        the site (facility) of the readings, or null
     * @param clock       stamps the readings' ingest time
     */
    public CsvRowDecoder(
            CsvLayout layout,
            List<String> header,
            ZoneId zone,
            DateTimeFormatter dateFormat,
            String defaultRoom,
            String site,
            Clock clock) {
        this.layout = Objects.requireNonNull(layout, "layout");
        this.header = List.copyOf(header);
        this.zone = Objects.requireNonNull(zone, "zone");
        this.dateFormat = dateFormat;
        this.defaultRoom = Objects.requireNonNull(defaultRoom, "defaultRoom");
        this.site = site;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The device id of a room's imported readings. */
    public static String deviceId(String room) {
        return "csv-" + room;
    }

    /** Decodes one row (its cells in file order). */
    public Decoded decode(List<String> cells) {
        String dateText = cell(cells, layout.dateIndex());
        if (dateText.isEmpty()) {
            return new Rejected("no " + name(layout.dateIndex()));
        }
        Instant time;
        try {
            time = time(dateText);
        } catch (DateTimeParseException e) {
            return new Rejected(name(layout.dateIndex()) + " '" + dateText + "' is not a date"
                    + (dateFormat == null ? " (yyyy-MM-dd, or an ISO date-time; see --date-format)" : ""));
        }
        String room = layout.roomIndex() < 0 ? defaultRoom : cell(cells, layout.roomIndex());
        if (room.isEmpty()) {
            return new Rejected("no " + name(layout.roomIndex()));
        }
        Instant ingest = clock.instant();
        List<Reading> readings = new ArrayList<>();
        for (Map.Entry<Integer, Column> metric : layout.metrics().entrySet()) {
            String text = cell(cells, metric.getKey());
            if (MISSING.contains(text.toLowerCase(Locale.ROOT))) {
                continue;
            }
            if (DECIMAL_COMMA.matcher(text).matches()) {
                text = text.replace(',', '.');
            }
            double value = NUMBER.matcher(text).matches() ? Double.parseDouble(text) : Double.NaN;
            if (!Double.isFinite(value)) {
                return new Rejected(name(metric.getKey()) + " '" + cell(cells, metric.getKey()) + "' is not a number");
            }
            Column column = metric.getValue();
            readings.add(Reading.newBuilder()
                    .setDeviceId(deviceId(room))
                    .setSensor(column.sensor())
                    .setValue(value)
                    .setUnit(column.unit())
                    .setEventTime(time)
                    .setIngestTime(ingest)
                    .setSource(Source.CSV)
                    .setQuality(Quality.GOOD)
                    .setSite(site)
                    .setRoom(room)
                    .build());
        }
        if (readings.isEmpty()) {
            return new Rejected("no metric value");
        }
        return new Row(room, time, readings);
    }

    /** The row's time, for a look at the file before the import; null when its date does not parse. */
    public Instant timeOf(List<String> cells) {
        try {
            String text = cell(cells, layout.dateIndex());
            return text.isEmpty() ? null : time(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private Instant time(String text) {
        if (dateFormat != null) {
            TemporalAccessor parsed =
                    dateFormat.parseBest(text, ZonedDateTime::from, LocalDateTime::from, LocalDate::from);
            return instant(parsed);
        }
        if (text.length() <= 10) {
            return instant(text.indexOf('/') > 0 ? LocalDate.parse(text, SLASHED_DATE) : LocalDate.parse(text));
        }
        // Chosen by shape rather than by trying each parser: a failed parse costs an exception per row.
        if (WITH_OFFSET.matcher(text).matches()) {
            return OffsetDateTime.parse(text).toInstant();
        }
        return instant(text.indexOf('T') > 0 ? LocalDateTime.parse(text) : LocalDateTime.parse(text, SPACED_DATE_TIME));
    }

    private Instant instant(TemporalAccessor parsed) {
        if (parsed instanceof ZonedDateTime zoned) {
            return zoned.toInstant();
        }
        if (parsed instanceof LocalDateTime local) {
            return local.atZone(zone).toInstant();
        }
        return ((LocalDate) parsed).atTime(DAY_STAMP).atZone(zone).toInstant();
    }

    private String name(int index) {
        return "column '" + header.get(index).replace("\uFEFF", "").trim() + "'";
    }

    private static String cell(List<String> cells, int index) {
        return index < cells.size() && cells.get(index) != null
                ? cells.get(index).trim()
                : "";
    }
}
