package io.fieldline.sink;

import static io.fieldline.testing.Records.T0;
import static io.fieldline.testing.Sql.names;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.DeadLetterHeaders;
import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Alert;
import io.fieldline.schemas.avro.AlertState;
import io.fieldline.schemas.avro.AnomalyScore;
import io.fieldline.schemas.avro.Kpi;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.sink.dao.StorageDao;
import io.fieldline.sink.testing.KafkaFixture;
import io.fieldline.testing.DatabaseLayout;
import io.fieldline.testing.Records;
import io.fieldline.testing.TestDatabases;
import io.fieldline.testing.TopicTail;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The PostgreSQL sink end to end (Kafka in, rows out) on both layouts. */
@ParameterizedClass
@EnumSource(DatabaseLayout.class)
@ExtendWith(EmbeddedStackExtension.class)
class PostgresSinkIT {

    private final EmbeddedStack stack;

    @Parameter
    DatabaseLayout layout;

    private KafkaFixture kafka;
    private TestDatabases.TestDatabase database;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<PostgresSinkService> services = new ArrayList<>();

    PostgresSinkIT(EmbeddedStack stack) {
        this.stack = stack;
    }

    @BeforeEach
    void setUp() {
        kafka = new KafkaFixture(stack);
        database = layout.database(stack);
    }

    @AfterEach
    void tearDown() {
        services.forEach(PostgresSinkService::close);
        kafka.close();
    }

    private PostgresSinkService start(Map<String, Object> overrides) {
        Map<String, Object> props = new HashMap<>(kafka.sinkProperties());
        props.putAll(database.properties("sink.postgres."));
        props.put(SinkConfig.REDIS_ENABLED, "false");
        props.putAll(layout.sinkSettings());
        props.putAll(overrides);
        PostgresSinkService service = new PostgresSinkService(new SinkConfig(props), kafka.registry(), meters);
        services.add(service);
        service.start();
        return service;
    }

    private static List<Reading> readings(String device, int count, int fromSecond) {
        List<Reading> readings = new ArrayList<>();
        for (int i = fromSecond; i < fromSecond + count; i++) {
            readings.add(Records.reading(
                    device, i % 2 == 0 ? "air_temperature" : "relative_humidity", T0.plusSeconds(i), 20 + i * 0.01));
        }
        return readings;
    }

    private long count(DataSource ds, String sql) {
        try {
            return Long.parseLong(names(ds, sql).get(0));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void shouldWriteEveryStreamIntoItsTables() throws SQLException {
        PostgresSinkService service = start(Map.of());
        DataSource ds = database.dataSource();

        kafka.send(kafka.topics().enrichedReadings(), readings("dev-1", 100, 0), Reading::getDeviceId);
        kafka.send(
                kafka.topics().aggregates1m(),
                List.of(
                        Records.aggregate("dev-1", "air_temperature", T0, Duration.ofMinutes(1), 21.0),
                        Records.aggregate("dev-2", "air_temperature", T0, Duration.ofMinutes(1), 23.0)),
                Aggregate::getDeviceId);
        kafka.send(
                kafka.topics().aggregates1h(),
                List.of(
                        Records.aggregate("dev-1", "air_temperature", T0, Duration.ofHours(1), 21.0),
                        Records.aggregate("dev-2", "air_temperature", T0, Duration.ofHours(1), 23.0)),
                Aggregate::getDeviceId);
        kafka.send(
                kafka.topics().alerts(),
                List.of(
                        Records.alert("too-hot", "dev-1", "air_temperature", AlertState.RAISED, T0.plusSeconds(10)),
                        Records.alert("too-hot", "dev-2", "air_temperature", AlertState.RAISED, T0.plusSeconds(12)),
                        Records.alert("too-hot", "dev-2", "air_temperature", AlertState.CLEARED, T0.plusSeconds(40))),
                Alert::getAlertId);
        kafka.send(
                kafka.topics().anomalies(),
                List.of(
                        Records.anomaly("dev-1", "air_temperature", T0.plusSeconds(5), true),
                        Records.anomaly("dev-1", "air_temperature", T0.plusSeconds(6), false)),
                AnomalyScore::getDeviceId);
        kafka.send(kafka.topics().kpis(), List.of(Records.kpi("room-a", "vpd", T0, 1.21)), Kpi::getRoom);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(count(ds, "SELECT count(*) FROM measurement")).isEqualTo(100);
            assertThat(count(ds, "SELECT count(*) FROM aggregate_1m")).isEqualTo(2);
            assertThat(count(ds, "SELECT count(*) FROM aggregate_1h")).isEqualTo(2);
            assertThat(count(ds, "SELECT count(*) FROM alert")).isEqualTo(3);
            assertThat(count(ds, "SELECT count(*) FROM anomaly"))
                    .as("only flagged scores")
                    .isEqualTo(1);
            assertThat(count(ds, "SELECT count(*) FROM kpi")).isEqualTo(1);
        });

        assertThat(names(
                        ds,
                        "SELECT value || ' ' || unit || ' ' || quality || ' ' || source || ' ' || raw_value || ' ' "
                                + "|| (attributes->>'firmware') || ' ' || (ingest_time - time) FROM measurement "
                                + "WHERE device_id = 'dev-1' AND time = '" + T0.plusSeconds(2) + "'"))
                .containsExactly("20.02 degC GOOD MQTT 19.52 1.4.2 00:00:00.015");
        assertThat(names(
                        ds,
                        "SELECT p50 || '/' || p95 || '/' || p99 || '/' || encode(sketch, 'hex') || '/' || bad_count "
                                + "FROM aggregate_1h WHERE device_id = 'dev-2'"))
                .containsExactly("23/23.9/23.99/02040810/1");

        StorageDao queries = service.jdbi().onDemand(StorageDao.class);
        assertThat(queries.latestValues("dev-1"))
                .extracting(StorageDao.LatestValue::sensor, StorageDao.LatestValue::time)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("air_temperature", T0.plusSeconds(98)),
                        org.assertj.core.groups.Tuple.tuple("relative_humidity", T0.plusSeconds(99)));
        assertThat(queries.activeAlerts())
                .extracting(StorageDao.ActiveAlert::alertId)
                .containsExactly("too-hot/dev-1/air_temperature");
        List<StorageDao.RoomHour> hours = queries.roomHourlyStats("room-a", T0, T0.plus(Duration.ofHours(1)));
        assertThat(hours).singleElement().satisfies(h -> {
            assertThat(h.devices()).isEqualTo(2);
            assertThat(h.readings()).isEqualTo(120);
            assertThat(h.mean()).isEqualTo(22.0);
            assertThat(h.min()).isEqualTo(20.0);
            assertThat(h.max()).isEqualTo(24.0);
        });
        assertThat(names(ds, "SELECT inputs->>'humidity_pct' FROM kpi")).containsExactly("60");

        SinkSummary summary = service.summary();
        assertThat(summary.stored()).containsEntry("measurement", 100L).containsEntry("series", 2L);
        assertThat(summary.written()).containsEntry("measurement", 100L);
        assertThat(summary.healthy()).isTrue();
        assertThat(meters.get("fieldline.sink.rows")
                        .tag("table", "measurement")
                        .counter()
                        .count())
                .isEqualTo(100);
    }

    @Test
    void shouldStoreEachRowOnceWhenTheSameBatchIsDeliveredTwice() {
        PostgresSinkService service = start(Map.of());
        DataSource ds = database.dataSource();
        List<Reading> batch = readings("dev-1", 500, 0);

        kafka.send(kafka.topics().enrichedReadings(), batch, Reading::getDeviceId);
        kafka.send(kafka.topics().enrichedReadings(), batch, Reading::getDeviceId);

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> assertThat(service.summary().recordsConsumed()).isEqualTo(1000));
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(meters.get("fieldline.sink.duplicates")
                                .tag("table", "measurement")
                                .counter()
                                .count())
                        .isEqualTo(500));
        assertThat(count(ds, "SELECT count(*) FROM measurement")).isEqualTo(500);
        assertThat(count(ds, "SELECT count(DISTINCT (device_id, sensor, time)) FROM measurement"))
                .isEqualTo(500);
    }

    @Test
    void shouldStoreEachRowOnceWhenAWholeTopicIsReplayedByANewGroup() {
        start(Map.of());
        DataSource ds = database.dataSource();
        kafka.send(kafka.topics().enrichedReadings(), readings("dev-1", 300, 0), Reading::getDeviceId);
        kafka.send(
                kafka.topics().alerts(),
                List.of(
                        Records.alert("too-hot", "dev-1", "air_temperature", AlertState.RAISED, T0.plusSeconds(10)),
                        Records.alert("too-hot", "dev-1", "air_temperature", AlertState.CLEARED, T0.plusSeconds(20))),
                Alert::getAlertId);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(count(ds, "SELECT count(*) FROM measurement")).isEqualTo(300);
            assertThat(count(ds, "SELECT count(*) FROM alert")).isEqualTo(2);
        });

        // a second sink with other group ids reads both topics again from the start: at-least-once at its worst
        PostgresSinkService replay = start(Map.of(
                SinkConfig.GROUP_ID_PREFIX, "replay-" + System.nanoTime(), SinkConfig.POSTGRES_WRITE_MODE, "staging"));

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> assertThat(replay.summary().recordsConsumed()).isEqualTo(302));
        assertThat(count(ds, "SELECT count(*) FROM measurement")).isEqualTo(300);
        assertThat(count(ds, "SELECT count(*) FROM alert")).isEqualTo(2);
        assertThat(count(ds, "SELECT count(*) FROM active_alert")).isZero();
    }

    @Test
    void shouldStoreEveryRecordOnceWhileASecondInstanceJoinsTheGroupMidStream() throws Exception {
        start(Map.of(SinkConfig.BATCH_SIZE, "100"));
        DataSource ds = database.dataSource();
        java.util.concurrent.CompletableFuture<Void> producing = java.util.concurrent.CompletableFuture.runAsync(() -> {
            for (int round = 0; round < 40; round++) {
                List<Reading> batch = new ArrayList<>();
                for (int d = 0; d < 12; d++) {
                    batch.addAll(readings("dev-" + d, 20, round * 20));
                }
                kafka.send(kafka.topics().enrichedReadings(), batch, Reading::getDeviceId);
                try {
                    Thread.sleep(200); // keep the stream going while the group rebalances
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> count(ds, "SELECT count(*) FROM measurement") > 0);

        start(Map.of(SinkConfig.BATCH_SIZE, "100")); // same group ids: partitions move between the two

        producing.get();
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(count(ds, "SELECT count(*) FROM measurement"))
                        .isEqualTo(40 * 12 * 20));
        assertThat(count(ds, "SELECT count(DISTINCT (device_id, sensor, time)) FROM measurement"))
                .isEqualTo(40 * 12 * 20);
        assertThat(services).allSatisfy(s -> assertThat(s.summary().healthy()).isTrue());
        assertThat(services.get(1).summary().recordsConsumed())
                .as("the newcomer took partitions over")
                .isPositive();
    }

    @Test
    void shouldLetLaterAggregateAndKpiRevisionsWin() {
        start(Map.of());
        DataSource ds = database.dataSource();
        kafka.send(
                kafka.topics().aggregates1m(),
                List.of(Records.aggregate("dev-1", "air_temperature", T0, Duration.ofMinutes(1), 21.0)),
                Aggregate::getDeviceId);
        kafka.send(kafka.topics().kpis(), List.of(Records.kpi("room-a", "vpd", T0, 1.0)), Kpi::getRoom);
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(
                                count(ds, "SELECT count(*) FROM aggregate_1m") + count(ds, "SELECT count(*) FROM kpi"))
                        .isEqualTo(2));

        kafka.send(
                kafka.topics().aggregates1m(),
                List.of(Records.aggregate("dev-1", "air_temperature", T0, Duration.ofMinutes(1), 21.5)),
                Aggregate::getDeviceId);
        kafka.send(kafka.topics().kpis(), List.of(Records.kpi("room-a", "vpd", T0, 1.3)), Kpi::getRoom);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(names(ds, "SELECT mean FROM aggregate_1m")).containsExactly("21.5");
            assertThat(names(ds, "SELECT value FROM kpi")).containsExactly("1.3");
        });
    }

    @Test
    void shouldDeadLetterRecordsTheDatabaseRejectsOrNobodyCanDecodeAndWriteTheRest() {
        PostgresSinkService service = start(Map.of());
        DataSource ds = database.dataSource();
        List<Reading> batch = new ArrayList<>(readings("dev-1", 200, 0));
        batch.add(57, Records.reading("dev-1", "", T0.plusSeconds(5000), 1.0)); // CHECK (sensor <> '')
        batch.add(123, Records.reading("dev-\u0000-nul", "air_temperature", T0, 1.0)); // NUL: invalid in text
        kafka.send(kafka.topics().enrichedReadings(), batch, r -> "dev-1");
        kafka.sendRaw(List.of(new ProducerRecord<>(
                kafka.topics().enrichedReadings(),
                "dev-1".getBytes(StandardCharsets.UTF_8),
                "not avro at all".getBytes(StandardCharsets.UTF_8))));

        List<ConsumerRecord<String, byte[]>> letters =
                kafka.readAll(kafka.topics().deadLetters("sink"), 3);

        assertThat(letters).hasSize(3);
        assertThat(letters).allSatisfy(letter -> {
            assertThat(TopicTail.header(letter, DeadLetterHeaders.STAGE)).isEqualTo("sink");
            assertThat(TopicTail.header(letter, DeadLetterHeaders.SOURCE_TOPIC))
                    .isEqualTo(kafka.topics().enrichedReadings());
            assertThat(TopicTail.header(letter, DeadLetterHeaders.SOURCE_OFFSET))
                    .isNotBlank();
        });
        assertThat(letters)
                .extracting(l -> TopicTail.header(l, DeadLetterHeaders.REASON))
                .anySatisfy(reason -> assertThat(reason).contains("23514"))
                .anySatisfy(reason -> assertThat(reason).contains("22"))
                .anySatisfy(reason -> assertThat(reason).startsWith("undecodable"));
        assertThat(letters)
                .extracting(l -> new String(l.value(), StandardCharsets.ISO_8859_1))
                .contains("not avro at all");
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(count(ds, "SELECT count(*) FROM measurement"))
                        .isEqualTo(200));
        assertThat(service.summary().deadLetters()).isEqualTo(3);
        assertThat(service.summary().healthy()).isTrue();
    }

    @Test
    void shouldDeadLetterAndCountAReadingThatDiffersFromTheOneStoredUnderItsKey() throws SQLException {
        PostgresSinkService service = start(Map.of());
        DataSource ds = database.dataSource();
        List<Reading> first = readings("dev-1", 10, 0);
        kafka.send(kafka.topics().enrichedReadings(), first, Reading::getDeviceId);
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(count(ds, "SELECT count(*) FROM measurement"))
                        .isEqualTo(10));

        Reading stored = first.get(5);
        kafka.send(
                kafka.topics().enrichedReadings(),
                List.of(
                        first.get(3), // a replay: the same reading again, harmless
                        Records.reading(
                                "dev-1", stored.getSensor(), stored.getEventTime(), 99.0), // same key, another value
                        Records.reading("dev-2", "co2", T0, 800), // two values for one key within a batch
                        Records.reading("dev-2", "co2", T0, 801)),
                Reading::getDeviceId);

        List<ConsumerRecord<String, byte[]>> letters =
                kafka.readAll(kafka.topics().deadLetters("sink"), 2);

        assertThat(letters).hasSize(2);
        assertThat(letters)
                .extracting(l -> TopicTail.header(l, DeadLetterHeaders.REASON))
                .allSatisfy(reason -> assertThat(reason).contains("conflicting duplicate"))
                .anySatisfy(reason -> assertThat(reason).contains("dev-1").contains("99.0"));
        assertThat(count(ds, "SELECT count(*) FROM measurement")).isEqualTo(11);
        assertThat(names(
                        ds,
                        "SELECT value FROM measurement WHERE device_id = 'dev-1' AND time = '" + stored.getEventTime()
                                + "'"))
                .containsExactly(String.valueOf(stored.getValue()));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(meters.get("fieldline.sink.conflicts")
                            .tag("table", "measurement")
                            .counter()
                            .count())
                    .isEqualTo(2);
            assertThat(meters.get("fieldline.sink.duplicates")
                            .tag("table", "measurement")
                            .counter()
                            .count())
                    .isEqualTo(1);
        });
        assertThat(service.summary().deadLetters()).isEqualTo(2);
    }

    @Test
    void shouldShowTheNewestValueInLatestValueWhateverTheArrivalOrder() throws SQLException {
        start(Map.of());
        DataSource ds = database.dataSource();
        Instant newest = T0.plusSeconds(100);
        kafka.send(
                kafka.topics().enrichedReadings(),
                List.of(Records.reading("dev-9", "co2", newest, 900)),
                Reading::getDeviceId);
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(count(ds, "SELECT count(*) FROM measurement"))
                        .isEqualTo(1));

        kafka.send(
                kafka.topics().enrichedReadings(),
                List.of(Records.reading("dev-9", "co2", T0, 400)),
                Reading::getDeviceId);
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(count(ds, "SELECT count(*) FROM measurement"))
                        .isEqualTo(2));

        assertThat(names(ds, "SELECT value FROM latest_value WHERE device_id = 'dev-9'"))
                .containsExactly("900");
        assertThat(names(ds, "SELECT last_seen FROM series WHERE device_id = 'dev-9'"))
                .containsExactly(names(ds, "SELECT max(time) FROM measurement").get(0));
    }
}
