package io.fieldline.sink.internal.postgres;

import static io.fieldline.testing.Sql.names;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.sink.Migrations;
import io.fieldline.sink.SinkConfig;
import io.fieldline.sink.internal.SqlNames;
import io.fieldline.sink.internal.worker.SinkRecord;
import io.fieldline.sink.testing.WriterHarness;
import io.fieldline.testing.DatabaseLayout;
import io.fieldline.testing.Records;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.sql.DataSource;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The aggregates stream's writes beyond the rows Streams sent: the daily level merged from the hourly rows, and
 * the revision of stored aggregates by late readings, on both layouts. Expected values are computed from the
 * readings themselves ({@link Records#aggregateOf}), never from the rows under test.
 */
@ParameterizedClass
@EnumSource(DatabaseLayout.class)
@ExtendWith(EmbeddedStackExtension.class)
class AggregateRevisionsIT {

    private static final String TOPIC_1M = "agg.1m";
    private static final String TOPIC_1H = "agg.1h";
    private static final String TOPIC_LATE = "late";
    private static final ZoneId AMSTERDAM = ZoneId.of("Europe/Amsterdam");

    private final EmbeddedStack stack;

    @Parameter
    DatabaseLayout layout;

    AggregateRevisionsIT(EmbeddedStack stack) {
        this.stack = stack;
    }

    private DataSource migrated(ZoneId zone) {
        DataSource ds = layout.database(stack).dataSource();
        Map<String, String> settings = new HashMap<>(layout.sinkSettings());
        settings.put(SinkConfig.POSTGRES_DAY_ZONE, zone.getId());
        Migrations.apply(ds, new SinkConfig(settings));
        return ds;
    }

    private static PostgresStreamWriter<SpecificRecord> writer(DataSource ds, ZoneId zone) {
        SqlNames names = new SqlNames("public");
        return new PostgresStreamWriter<>(
                "aggregates",
                ds,
                new TableCopier(names, SinkConfig.WriteMode.DIRECT_FIRST),
                PostgresPlans.aggregates(TOPIC_1H, TOPIC_LATE, new AggregateRevisions(names, zone)),
                WriterHarness.metrics());
    }

    private static void write(
            PostgresStreamWriter<SpecificRecord> writer, String topic, List<? extends SpecificRecord> values)
            throws Exception {
        List<SinkRecord<SpecificRecord>> batch = new ArrayList<>();
        for (SpecificRecord value : values) {
            batch.add(new SinkRecord<>(new ConsumerRecord<>(topic, 0, batch.size(), new byte[0], new byte[0]), value));
        }
        assertThat(writer.write(batch)).isEmpty();
    }

    /** Readings of one series every {@code step}, from {@code from} (inclusive) to {@code to} (exclusive). */
    private static List<Reading> readings(String device, Instant from, Instant to, Duration step, long seed) {
        Random random = new Random(seed);
        List<Reading> readings = new ArrayList<>();
        for (Instant t = from; t.isBefore(to); t = t.plus(step)) {
            readings.add(Records.reading(device, "air_temperature", t, 18 + random.nextGaussian() * 3));
        }
        return readings;
    }

    private static List<Aggregate> windows(List<Reading> readings, Instant from, Instant to, Duration size) {
        List<Aggregate> windows = new ArrayList<>();
        for (Instant start = from; start.isBefore(to); start = start.plus(size)) {
            Instant s = start;
            if (readings.stream()
                    .anyMatch(r ->
                            !r.getEventTime().isBefore(s) && r.getEventTime().isBefore(s.plus(size)))) {
                windows.add(Records.aggregateOf(readings, start, size));
            }
        }
        return windows;
    }

    @Test
    void shouldMergeEachCalendarDayOfTheZoneFromItsHourlyRows() throws Exception {
        DataSource ds = migrated(AMSTERDAM);
        PostgresStreamWriter<SpecificRecord> writer = writer(ds, AMSTERDAM);
        // 2030-03-31 is the spring-forward day in Amsterdam: 23 hours, from 22:00 UTC the day before
        Instant dayStart = ZonedDateTime.of(2030, 3, 31, 0, 0, 0, 0, AMSTERDAM).toInstant();
        Instant nextDay = ZonedDateTime.of(2030, 4, 1, 0, 0, 0, 0, AMSTERDAM).toInstant();
        List<Reading> readings = new ArrayList<>(readings(
                "dev-1",
                dayStart.minus(Duration.ofHours(3)),
                nextDay.plus(Duration.ofHours(2)),
                Duration.ofMinutes(7),
                1));
        readings.set(
                10, Reading.newBuilder(readings.get(10)).setQuality(Quality.BAD).build());
        List<Aggregate> hours = windows(
                readings, dayStart.minus(Duration.ofHours(3)), nextDay.plus(Duration.ofHours(2)), Duration.ofHours(1));

        write(writer, TOPIC_1H, hours.subList(0, 10));
        write(writer, TOPIC_1H, hours.subList(10, hours.size()));

        assertThat(Duration.between(dayStart, nextDay)).isEqualTo(Duration.ofHours(23));
        Aggregate expected = Records.aggregateOf(readings, dayStart, Duration.between(dayStart, nextDay));
        assertStored(ds, "aggregate_1d", expected, 0);
        assertThat(names(
                        ds,
                        "SELECT hours || ' ' || (window_end - window_start) FROM aggregate_1d WHERE window_start = '"
                                + dayStart + "'"))
                .containsExactly("23 23:00:00");
        assertThat(names(ds, "SELECT count(*) FROM aggregate_1d"))
                .as("the day before, the day, the day after")
                .containsExactly("3");
        assertThat(names(ds, "SELECT bad_count FROM aggregate_1d WHERE window_start < '" + dayStart + "'"))
                .containsExactly("1");
    }

    @Test
    void shouldReviseTheMinuteHourAndDayThatHoldLateReadingsAndKeepThemRevisedThroughReplays() throws Exception {
        DataSource ds = migrated(ZoneId.of("UTC"));
        PostgresStreamWriter<SpecificRecord> writer = writer(ds, ZoneId.of("UTC"));
        Instant hour = Records.T0;
        List<Reading> onTime = readings("dev-1", hour, hour.plus(Duration.ofHours(1)), Duration.ofSeconds(10), 2);
        Instant minute = hour.plus(Duration.ofMinutes(17));
        List<Aggregate> minutes = windows(onTime, hour, hour.plus(Duration.ofHours(1)), Duration.ofMinutes(1));
        Aggregate hourRow = Records.aggregateOf(onTime, hour, Duration.ofHours(1));
        write(writer, TOPIC_1M, minutes);
        write(writer, TOPIC_1H, List.of(hourRow));
        // two late readings inside minute 17 (one below every on-time value, one the new last) and a BAD one
        List<Reading> late = List.of(
                Records.reading("dev-1", "air_temperature", minute.plusSeconds(3), -40),
                Records.reading("dev-1", "air_temperature", minute.plusSeconds(59), 55),
                Reading.newBuilder(Records.reading("dev-1", "air_temperature", minute.plusSeconds(31), 999))
                        .setQuality(Quality.BAD)
                        .build());
        List<Reading> all = new ArrayList<>(onTime);
        all.addAll(late);

        write(writer, TOPIC_LATE, late);

        assertStored(ds, "aggregate_1m", Records.aggregateOf(all, minute, Duration.ofMinutes(1)), 3);
        assertStored(ds, "aggregate_1h", Records.aggregateOf(all, hour, Duration.ofHours(1)), 3);
        assertStored(
                ds, "aggregate_1d", Records.aggregateOf(all, hour.minus(Duration.ofHours(8)), Duration.ofDays(1)), 3);
        assertStored(
                ds,
                "aggregate_1m",
                Records.aggregateOf(all, minute.plus(Duration.ofMinutes(1)), Duration.ofMinutes(1)),
                0);

        // Streams' rows again (a replay) and the late readings again: nothing counted twice, nothing lost
        write(writer, TOPIC_1M, minutes);
        write(writer, TOPIC_1H, List.of(hourRow));
        write(writer, TOPIC_LATE, late);

        assertStored(ds, "aggregate_1m", Records.aggregateOf(all, minute, Duration.ofMinutes(1)), 3);
        assertStored(ds, "aggregate_1h", Records.aggregateOf(all, hour, Duration.ofHours(1)), 3);
        assertStored(
                ds, "aggregate_1d", Records.aggregateOf(all, hour.minus(Duration.ofHours(8)), Duration.ofDays(1)), 3);
        assertThat(names(ds, "SELECT count(*) FILTER (WHERE merged) || '/' || count(*) FROM late_reading"))
                .containsExactly("3/3");
    }

    @Test
    void shouldReviseStreamsRowsThatArriveAfterTheirLateReadingsInTheSameOrALaterBatch() throws Exception {
        DataSource ds = migrated(ZoneId.of("UTC"));
        PostgresStreamWriter<SpecificRecord> writer = writer(ds, ZoneId.of("UTC"));
        Instant hour = Records.T0.plus(Duration.ofHours(5));
        List<Reading> onTime = readings("dev-2", hour, hour.plus(Duration.ofHours(1)), Duration.ofSeconds(20), 3);
        Reading lateInFirstMinute = Records.reading("dev-2", "air_temperature", hour.plusMillis(500), 7);
        Reading lateInLastMinute = Records.reading(
                "dev-2", "air_temperature", hour.plus(Duration.ofMinutes(59)).plusSeconds(45), 8);
        List<Reading> all = new ArrayList<>(onTime);
        all.add(lateInFirstMinute);
        all.add(lateInLastMinute);

        // the late readings come before any of Streams' rows (the late topic's partition was read first)
        write(writer, TOPIC_LATE, List.of(lateInFirstMinute));
        List<SpecificRecord> mixed =
                new ArrayList<>(windows(onTime, hour, hour.plus(Duration.ofHours(1)), Duration.ofMinutes(1)));
        mixed.add(lateInLastMinute);
        List<SinkRecord<SpecificRecord>> batch = new ArrayList<>();
        for (SpecificRecord value : mixed) {
            batch.add(new SinkRecord<>(
                    new ConsumerRecord<>(
                            value instanceof Reading ? TOPIC_LATE : TOPIC_1M,
                            0,
                            batch.size(),
                            new byte[0],
                            new byte[0]),
                    value));
        }
        assertThat(writer.write(batch)).isEmpty();
        write(writer, TOPIC_1H, List.of(Records.aggregateOf(onTime, hour, Duration.ofHours(1))));

        assertStored(ds, "aggregate_1m", Records.aggregateOf(all, hour, Duration.ofMinutes(1)), 1);
        assertStored(
                ds,
                "aggregate_1m",
                Records.aggregateOf(all, hour.plus(Duration.ofMinutes(59)), Duration.ofMinutes(1)),
                1);
        assertStored(ds, "aggregate_1h", Records.aggregateOf(all, hour, Duration.ofHours(1)), 2);
        assertStored(
                ds, "aggregate_1d", Records.aggregateOf(all, hour.minus(Duration.ofHours(13)), Duration.ofDays(1)), 2);
    }

    @Test
    void shouldNotMergeARedeliveryOfAReadingStoredOnTime() throws Exception {
        DataSource ds = migrated(ZoneId.of("UTC"));
        PostgresStreamWriter<SpecificRecord> writer = writer(ds, ZoneId.of("UTC"));
        Instant hour = Records.T0.plus(Duration.ofHours(9));
        List<Reading> onTime = readings("dev-3", hour, hour.plus(Duration.ofMinutes(2)), Duration.ofSeconds(15), 4);
        WriterHarness.measurementWriter(ds, SinkConfig.WriteMode.DIRECT_FIRST, WriterHarness.metrics())
                .write(WriterHarness.batch("readings", onTime));
        Aggregate minute = Records.aggregateOf(onTime, hour, Duration.ofMinutes(1));
        write(writer, TOPIC_1M, List.of(minute));
        // the device sent its third reading again after the window closed: same key, later ingest time
        Reading redelivered = Reading.newBuilder(onTime.get(2))
                .setIngestTime(hour.plus(Duration.ofMinutes(30)))
                .build();

        write(writer, TOPIC_LATE, List.of(redelivered));

        assertStored(ds, "aggregate_1m", minute, 0);
        assertThat(names(ds, "SELECT count(*) FROM late_reading")).containsExactly("0");
    }

    @Test
    void shouldReportEachRoomsDayWithItsTotalsLastCountsClimateAndDailyKpis() throws Exception {
        DataSource ds = migrated(ZoneId.of("UTC"));
        PostgresStreamWriter<SpecificRecord> writer = writer(ds, ZoneId.of("UTC"));
        Instant day = Records.T0.minus(Duration.ofHours(8));
        Map<String, List<Reading>> series = new HashMap<>();
        for (int i = 0; i < 36; i++) { // every 5 minutes for three hours
            Instant t = Records.T0.plus(Duration.ofMinutes(5L * i));
            series.computeIfAbsent("eggs_produced", k -> new ArrayList<>())
                    .add(Records.reading("ctl-1", "eggs_produced", t, 100 + i));
            series.computeIfAbsent("feed_consumed_kg", k -> new ArrayList<>())
                    .add(Records.reading("ctl-1", "feed_consumed_kg", t, 2.5));
            series.computeIfAbsent("water_consumed_l", k -> new ArrayList<>())
                    .add(Records.reading("ctl-1", "water_consumed_l", t, 4));
            series.computeIfAbsent("deaths", k -> new ArrayList<>())
                    .add(Records.reading("ctl-1", "deaths", t, i % 12 == 0 ? 1 : 0));
            series.computeIfAbsent("birds_remaining", k -> new ArrayList<>())
                    .add(Records.reading("ctl-1", "birds_remaining", t, 9000 - i / 12));
            series.computeIfAbsent("avg_weight_kg", k -> new ArrayList<>())
                    .add(Records.reading("ctl-1", "avg_weight_kg", t, 1.80 + i * 0.001));
            series.computeIfAbsent("air_temperature", k -> new ArrayList<>())
                    .add(Records.reading("clim-1", "air_temperature", t, 20 + (i % 2) * 2));
        }
        List<Aggregate> hours = new ArrayList<>();
        for (List<Reading> readings : series.values()) {
            hours.addAll(windows(readings, Records.T0, Records.T0.plus(Duration.ofHours(3)), Duration.ofHours(1)));
        }
        write(writer, TOPIC_1H, hours);
        for (String kpi : List.of("fcr:2.1", "mortality_rate:0.033", "production_rate:91.5", "vpd:1.2")) {
            String[] nameValue = kpi.split(":");
            io.fieldline.testing.Sql.execute(
                    ds,
                    "INSERT INTO kpi (window_start, window_end, room, site, name, value, unit) VALUES ('" + day + "', '"
                            + day.plus(Duration.ofDays(1)) + "', 'room-a', 'farm-1', '" + nameValue[0] + "', "
                            + nameValue[1] + ", 'x')");
        }

        assertThat(names(
                        ds,
                        "SELECT concat_ws(' ', site, room, day, eggs_produced, feed_consumed_kg, water_consumed_l, deaths, "
                                + "birds_remaining, round(avg_weight_kg::numeric, 3), temperature_c, fcr, mortality_rate, "
                                + "production_rate, coalesce(dli, -1), readings, late_readings) FROM room_daily"))
                .containsExactly(String.join(
                        " ",
                        "farm-1 room-a",
                        names(ds, "SELECT '" + day + "'::timestamptz").get(0),
                        String.valueOf(36 * 100 + 35 * 36 / 2), // eggs: 100..135
                        "90", // feed: 36 x 2.5
                        "144", // water: 36 x 4
                        "3", // deaths at i = 0, 12, 24
                        "8998", // birds at the last reading, i = 35
                        "1.835", // the last weight
                        "21", // the day's mean temperature: as many 20s as 22s
                        "2.1 0.033 91.5 -1",
                        String.valueOf(36 * 7),
                        "0"));
    }

    private static void assertStored(DataSource ds, String table, Aggregate expected, long lateCount)
            throws SQLException {
        Map<String, Object> row = new HashMap<>();
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT count, sum, min, max, mean, m2, stddev, first, first_time, last, "
                                + "last_time, bad_count, late_count, window_end FROM " + table + " WHERE device_id = '"
                                + expected.getDeviceId() + "' AND sensor = '" + expected.getSensor()
                                + "' AND window_start = '"
                                + expected.getWindowStart() + "'")) {
            assertThat(rs.next())
                    .as(table + " row of " + expected.getWindowStart())
                    .isTrue();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                Object value = rs.getObject(i);
                row.put(
                        rs.getMetaData().getColumnName(i),
                        value instanceof java.sql.Timestamp t ? t.toInstant() : value);
            }
        }
        String what = table + " " + expected.getWindowStart();
        assertThat(row.get("count")).as(what + " count").isEqualTo(expected.getCount());
        assertThat(row.get("bad_count")).as(what + " bad_count").isEqualTo(expected.getBadCount());
        assertThat(row.get("late_count")).as(what + " late_count").isEqualTo(lateCount);
        assertThat((Double) row.get("sum")).as(what + " sum").isCloseTo(expected.getSum(), within(1e-9));
        assertThat((Double) row.get("min")).as(what + " min").isEqualTo(expected.getMin());
        assertThat((Double) row.get("max")).as(what + " max").isEqualTo(expected.getMax());
        assertThat((Double) row.get("mean")).as(what + " mean").isCloseTo(expected.getMean(), within(1e-9));
        assertThat((Double) row.get("m2")).as(what + " m2").isCloseTo(expected.getM2(), within(1e-6));
        assertThat((Double) row.get("stddev")).as(what + " stddev").isCloseTo(expected.getStddev(), within(1e-9));
        assertThat(row.get("first")).as(what + " first").isEqualTo(expected.getFirst());
        assertThat(row.get("first_time")).as(what + " first_time").isEqualTo(expected.getFirstTime());
        assertThat(row.get("last")).as(what + " last").isEqualTo(expected.getLast());
        assertThat(row.get("last_time")).as(what + " last_time").isEqualTo(expected.getLastTime());
        assertThat(row.get("window_end")).as(what + " window_end").isEqualTo(expected.getWindowEnd());
    }
}
