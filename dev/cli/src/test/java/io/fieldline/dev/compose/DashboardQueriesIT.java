package io.fieldline.dev.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Alert;
import io.fieldline.schemas.avro.AlertState;
import io.fieldline.schemas.avro.Kpi;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Severity;
import io.fieldline.schemas.avro.Source;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.schemas.registry.SchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import io.fieldline.sink.PostgresSinkService;
import io.fieldline.sink.SinkConfig;
import io.fieldline.testing.DatabaseLayout;
import io.fieldline.testing.KafkaTopics;
import io.fieldline.testing.Records;
import io.fieldline.testing.TestDatabases;
import io.fieldline.testing.TestNames;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.sql.DataSource;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every SQL query of every provisioned Grafana panel (and of every template variable), with Grafana's macros expanded
 * as its PostgreSQL data source expands them, runs against the migrated schema on both layouts (plain PostgreSQL and
 * TimescaleDB) and returns rows.
 *
 * <p>The rows are written by the real PostgreSQL sink from the topics the Streams applications write: enriched
 * readings of the last minutes from a grow room and a poultry house (MQTT and CAN), their one-minute aggregates,
 * yesterday's hourly aggregates of the house's flock counters (which the sink merges into {@code aggregate_1d} and so
 * {@code room_daily}), climate KPIs and yesterday's daily KPIs, and alerts raised and cleared. The records are built
 * here rather than computed by a Streams run, because a run of a few seconds closes no hour and no day, and the
 * Poultry dashboard shows days.
 */
@ParameterizedClass
@EnumSource(DatabaseLayout.class)
@ExtendWith(EmbeddedStackExtension.class)
class DashboardQueriesIT {

    private static final String SITE = "farm-1";
    private static final String GROW_ROOM = "grow-1";
    private static final String HOUSE = "house-1";

    private final EmbeddedStack stack;

    @Parameter
    DatabaseLayout layout;

    DashboardQueriesIT(EmbeddedStack stack) {
        this.stack = stack;
    }

    @Test
    void shouldReturnRowsForEveryPanelQuery() throws Exception {
        TestDatabases.TestDatabase database = layout.database(stack);
        DataSource db = database.dataSource();
        TopicNames topics = new TopicNames(TestNames.unique("dash") + ".");
        KafkaTopics.createMissing(
                stack.kafka().bootstrapServers(), 3, topics.dataTopics().toArray(String[]::new));
        KafkaTopics.createMissing(stack.kafka().bootstrapServers(), 1, topics.deadLetters("sink"));
        SchemaRegistryClient registry =
                new HttpSchemaRegistryClient(stack.schemaRegistry().url());

        Map<String, Object> settings = new HashMap<>(SinkConfig.topicsFrom(topics));
        settings.put("kafka.bootstrap.servers", stack.kafka().bootstrapServers());
        settings.put("sink.group.id.prefix", TestNames.unique("dash-sink"));
        settings.put("sink.batch.linger.ms", "50");
        settings.put(SinkConfig.REDIS_ENABLED, "false");
        settings.putAll(database.properties("sink.postgres."));
        settings.putAll(layout.sinkSettings());
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        try (PostgresSinkService sink =
                        new PostgresSinkService(new SinkConfig(settings), registry, new SimpleMeterRegistry());
                KafkaProducer<byte[], byte[]> producer = producer()) {
            sink.start();
            writeMetadata(db);
            send(producer, registry, topics.enrichedReadings(), readings(now), Reading::getDeviceId);
            send(producer, registry, topics.aggregates1m(), minuteAggregates(now), Aggregate::getDeviceId);
            send(producer, registry, topics.aggregates1h(), yesterdaysHours(), Aggregate::getDeviceId);
            send(producer, registry, topics.kpis(), kpis(now), Kpi::getRoom);
            send(producer, registry, topics.alerts(), alerts(now), Alert::getAlertId);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(count(db, "measurement")).isEqualTo(readings(now).size());
                assertThat(count(db, "aggregate_1m"))
                        .isEqualTo(minuteAggregates(now).size());
                assertThat(count(db, "aggregate_1d")).isPositive();
                assertThat(count(db, "kpi")).isEqualTo(kpis(now).size());
                assertThat(count(db, "alert")).isEqualTo(alerts(now).size());
            });

            // Grafana's default view of each dashboard is at most 30 days; a week holds everything written above.
            Map<String, List<String>> variables = new LinkedHashMap<>();
            List<String> problems = new ArrayList<>();
            int ran = 0;
            GrafanaMacros noVariables = macros(now, Map.of());
            for (Dashboards.Query query : Dashboards.queries()) {
                if (query.sql() && query.panel().startsWith("variable $")) {
                    List<String> values = column(db, noVariables.expand(query.text()));
                    variables.put(query.panel().substring("variable $".length()), values);
                }
            }
            GrafanaMacros macros = macros(now, variables);
            for (Dashboards.Query query : Dashboards.queries()) {
                if (!query.sql()) {
                    continue;
                }
                String sql = macros.expand(query.text());
                try {
                    List<String> rows = column(db, sql);
                    ran++;
                    if (rows.isEmpty()) {
                        problems.add(query.where() + ": no rows from\n" + sql);
                    }
                } catch (SQLException e) {
                    problems.add(query.where() + ": " + e.getMessage() + "\n" + sql);
                }
            }
            assertThat(variables)
                    .as("template variables")
                    .containsEntry("room", List.of(GROW_ROOM, HOUSE))
                    .containsEntry("house", List.of(HOUSE));
            assertThat(problems).as("panel queries on %s", layout).isEmpty();
            assertThat(ran)
                    .isEqualTo(Dashboards.queries().stream()
                            .filter(Dashboards.Query::sql)
                            .count());
        }
    }

    private GrafanaMacros macros(Instant now, Map<String, List<String>> variables) {
        return new GrafanaMacros(
                now.minus(Duration.ofDays(7)),
                now.plusSeconds(60),
                "1m",
                layout == DatabaseLayout.TIMESCALEDB,
                variables);
    }

    private static void writeMetadata(DataSource db) throws SQLException {
        try (Connection c = db.getConnection();
                Statement st = c.createStatement()) {
            st.execute("INSERT INTO facility (facility_id, name) VALUES ('" + SITE + "', 'Farm one')");
            st.execute("INSERT INTO room (room_id, facility_id, name, target_vpd_kpa, target_temperature_c) VALUES ('"
                    + GROW_ROOM + "', '" + SITE + "', 'Grow room', 1.1, 24)");
            st.execute("INSERT INTO room (room_id, facility_id, name, birds_start, flock_placed_on) VALUES ('" + HOUSE
                    + "', '" + SITE + "', 'House one', 20000, current_date - 30)");
            st.execute("INSERT INTO device (device_id, site, room, type, expected_interval_ms) VALUES "
                    + "('gr-1', '" + SITE + "', '" + GROW_ROOM + "', 'climate-controller', 10000), "
                    + "('ph-1', '" + SITE + "', '" + HOUSE + "', 'can-poultry-node', 10000), "
                    + "('gr-silent', '" + SITE + "', '" + GROW_ROOM + "', 'soil-probe', 10000)");
        }
    }

    private static Reading reading(
            String device, String room, String sensor, Instant time, double value, Source source) {
        return Reading.newBuilder(Records.reading(device, sensor, time, value))
                .setSite(SITE)
                .setRoom(room)
                .setSource(source)
                .build();
    }

    /** Readings of the last four minutes every 10 s; and one of a device silent for two hours (overdue). */
    private static List<Reading> readings(Instant now) {
        List<Reading> readings = new ArrayList<>();
        for (int s = 240; s > 0; s -= 10) {
            Instant t = now.minusSeconds(s);
            readings.add(reading("gr-1", GROW_ROOM, "air_temperature", t, 24 + s / 100.0, Source.MQTT));
            readings.add(reading("gr-1", GROW_ROOM, "relative_humidity", t, 61 - s / 100.0, Source.MQTT));
            readings.add(reading("gr-1", GROW_ROOM, "co2", t, 900 + s, Source.MQTT));
            readings.add(reading("ph-1", HOUSE, "air_temperature", t, 21.5, Source.CAN));
        }
        readings.add(reading("gr-silent", GROW_ROOM, "soil_moisture", now.minus(Duration.ofHours(2)), 41, Source.MQTT));
        return readings;
    }

    private static Aggregate aggregate(
            String device, String room, String sensor, Instant start, Duration size, double mean) {
        return Aggregate.newBuilder(Records.aggregate(device, sensor, start, size, mean))
                .setSite(SITE)
                .setRoom(room)
                .build();
    }

    /** The closed minutes of the readings above. */
    private static List<Aggregate> minuteAggregates(Instant now) {
        List<Aggregate> aggregates = new ArrayList<>();
        Instant minute = now.truncatedTo(ChronoUnit.MINUTES);
        for (int m = 4; m >= 1; m--) {
            Instant start = minute.minus(Duration.ofMinutes(m));
            aggregates.add(aggregate("gr-1", GROW_ROOM, "air_temperature", start, Duration.ofMinutes(1), 24.5));
            aggregates.add(aggregate("gr-1", GROW_ROOM, "relative_humidity", start, Duration.ofMinutes(1), 60.2));
            aggregates.add(aggregate("gr-1", GROW_ROOM, "co2", start, Duration.ofMinutes(1), 1010));
            aggregates.add(aggregate("ph-1", HOUSE, "air_temperature", start, Duration.ofMinutes(1), 21.5));
        }
        return aggregates;
    }

    /** Yesterday's hours of the house's flock counters and climate: the sink merges them into the day. */
    private static List<Aggregate> yesterdaysHours() {
        Instant day = LocalDate.now(ZoneOffset.UTC)
                .minusDays(1)
                .atStartOfDay(ZoneOffset.UTC)
                .toInstant();
        List<Aggregate> hours = new ArrayList<>();
        for (int h = 0; h < 24; h++) {
            Instant start = day.plus(Duration.ofHours(h));
            hours.add(aggregate("ph-1", HOUSE, "eggs_produced", start, Duration.ofHours(1), 700));
            hours.add(aggregate("ph-1", HOUSE, "feed_consumed_kg", start, Duration.ofHours(1), 90));
            hours.add(aggregate("ph-1", HOUSE, "deaths", start, Duration.ofHours(1), 0.1));
            hours.add(aggregate("ph-1", HOUSE, "birds_remaining", start, Duration.ofHours(1), 19_800));
            hours.add(aggregate("ph-1", HOUSE, "avg_weight_kg", start, Duration.ofHours(1), 1.9));
            hours.add(aggregate("ph-1", HOUSE, "air_temperature", start, Duration.ofHours(1), 21.5));
        }
        return hours;
    }

    private static Kpi kpi(String room, String name, Instant start, Duration size, double value, String unit) {
        return Kpi.newBuilder(Records.kpi(room, name, start, value))
                .setSite(SITE)
                .setWindowEnd(start.plus(size))
                .setUnit(unit)
                .build();
    }

    /** Climate KPIs per minute; yesterday's daily light integral, FCR, mortality and production rate. */
    private static List<Kpi> kpis(Instant now) {
        List<Kpi> kpis = new ArrayList<>();
        Instant minute = now.truncatedTo(ChronoUnit.MINUTES);
        for (int m = 4; m >= 1; m--) {
            Instant start = minute.minus(Duration.ofMinutes(m));
            kpis.add(kpi(GROW_ROOM, "vpd", start, Duration.ofMinutes(1), 1.2, "kPa"));
            kpis.add(kpi(GROW_ROOM, "dew_point", start, Duration.ofMinutes(1), 16.1, "degC"));
        }
        Instant day = LocalDate.now(ZoneOffset.UTC)
                .minusDays(1)
                .atStartOfDay(ZoneOffset.UTC)
                .toInstant();
        kpis.add(kpi(GROW_ROOM, "dli", day, Duration.ofDays(1), 31.7, "mol/m2/d"));
        kpis.add(kpi(HOUSE, "fcr", day, Duration.ofDays(1), 1.62, ""));
        kpis.add(kpi(HOUSE, "mortality_rate", day, Duration.ofDays(1), 0.012, "%"));
        kpis.add(kpi(HOUSE, "production_rate", day, Duration.ofDays(1), 84.8, "%"));
        return kpis;
    }

    /** An alert raised and still active, and one raised and cleared. */
    private static List<Alert> alerts(Instant now) {
        List<Alert> alerts = new ArrayList<>();
        Instant raised = now.minus(Duration.ofMinutes(30));
        alerts.add(alert("co2-high", "gr-1", "co2", GROW_ROOM, AlertState.RAISED, raised, raised, Severity.WARNING));
        alerts.add(alert(
                "house-cold", "ph-1", "air_temperature", HOUSE, AlertState.RAISED, raised, raised, Severity.CRITICAL));
        alerts.add(alert(
                "house-cold",
                "ph-1",
                "air_temperature",
                HOUSE,
                AlertState.CLEARED,
                raised,
                now.minus(Duration.ofMinutes(10)),
                Severity.CRITICAL));
        return alerts;
    }

    private static Alert alert(
            String rule,
            String device,
            String sensor,
            String room,
            AlertState state,
            Instant since,
            Instant time,
            Severity severity) {
        return Alert.newBuilder(Records.alert(rule, device, sensor, state, time))
                .setSite(SITE)
                .setRoom(room)
                .setSince(since)
                .setSeverity(severity)
                .build();
    }

    private KafkaProducer<byte[], byte[]> producer() {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return new KafkaProducer<>(props);
    }

    private static <T extends SpecificRecord> void send(
            KafkaProducer<byte[], byte[]> producer,
            SchemaRegistryClient registry,
            String topic,
            List<T> values,
            Function<T, String> key)
            throws Exception {
        @SuppressWarnings("unchecked") // every value is of the first one's generated class
        Class<T> type = (Class<T>) values.get(0).getClass();
        Serializer<T> serializer = AvroSerdes.specific(type, registry, false).serializer();
        List<Future<?>> sends = new ArrayList<>();
        for (T value : values) {
            sends.add(producer.send(new ProducerRecord<>(
                    topic, key.apply(value).getBytes(StandardCharsets.UTF_8), serializer.serialize(topic, value))));
        }
        producer.flush();
        for (Future<?> send : sends) {
            send.get(30, TimeUnit.SECONDS);
        }
    }

    private static long count(DataSource db, String table) throws SQLException {
        return Long.parseLong(column(db, "SELECT count(*) FROM " + table).get(0));
    }

    /** The first column of every row. */
    private static List<String> column(DataSource db, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection c = db.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
