package io.fieldline.sink;

import static io.fieldline.testing.Records.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.avro.Alert;
import io.fieldline.schemas.avro.AlertState;
import io.fieldline.schemas.avro.AnomalyScore;
import io.fieldline.schemas.avro.Kpi;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.sink.testing.KafkaFixture;
import io.fieldline.testing.Records;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedStackExtension.class)
class RedisSinkIT {

    private final EmbeddedStack stack;
    private KafkaFixture kafka;
    private RedisSinkService sink;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;
    private RedisCommands<String, String> redis;
    private RedisKeys keys;

    RedisSinkIT(EmbeddedStack stack) {
        this.stack = stack;
    }

    @BeforeEach
    void setUp() {
        kafka = new KafkaFixture(stack);
        Map<String, Object> props = new HashMap<>(kafka.sinkProperties());
        props.put(SinkConfig.REDIS_URL, stack.redis().url());
        props.put(
                SinkConfig.REDIS_KEY_PREFIX,
                "it-" + UUID.randomUUID().toString().substring(0, 8));
        SinkConfig config = new SinkConfig(props);
        keys = config.redisKeys();
        sink = new RedisSinkService(config, kafka.registry(), new SimpleMeterRegistry());
        sink.start();
        client = RedisClient.create(stack.redis().url());
        connection = client.connect();
        redis = connection.sync();
    }

    @AfterEach
    void tearDown() {
        sink.close();
        connection.close();
        client.shutdown();
        kafka.close();
    }

    @Test
    void shouldKeepTheNewestValuePerSeriesAndIgnoreOlderOrReplayedReadings() {
        kafka.send(
                kafka.topics().enrichedReadings(),
                List.of(
                        Records.reading("dev-1", "air_temperature", T0, 21.0),
                        Records.reading("dev-1", "air_temperature", T0.plusSeconds(10), 21.5),
                        Records.reading("dev-1", "relative_humidity", T0.plusSeconds(3), 61.0)),
                Reading::getDeviceId);

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(redis.hgetall(keys.deviceLatest("dev-1")))
                        .containsEntry(
                                "air_temperature",
                                "{\"time\":" + T0.plusSeconds(10).toEpochMilli()
                                        + ",\"value\":21.5,\"unit\":\"degC\",\"quality\":\"GOOD\"}")
                        .containsKey("relative_humidity"));

        kafka.send(
                kafka.topics().enrichedReadings(),
                List.of(
                        Records.reading("dev-1", "air_temperature", T0.plusSeconds(5), 99.0),
                        Records.reading("dev-1", "co2", T0, 800)),
                Reading::getDeviceId);
        await().atMost(Duration.ofSeconds(30)).until(() -> redis.hexists(keys.deviceLatest("dev-1"), "co2"));

        assertThat(redis.hget(keys.deviceLatest("dev-1"), "air_temperature")).contains("\"value\":21.5");
        assertThat(redis.pttl(keys.deviceLatest("dev-1"))).isPositive();
        assertThat(redis.smembers(keys.siteDevices("farm-1"))).containsExactly("dev-1");
        assertThat(redis.smembers(keys.roomDevices("room-a"))).containsExactly("dev-1");
        assertThat(redis.smembers(keys.siteRooms("farm-1"))).containsExactly("room-a");
    }

    @Test
    void shouldAddRaisedAlertsToTheActiveSetAndRemoveThemWhenCleared() {
        String hot = "too-hot/dev-1/air_temperature";
        String dry = "too-dry/dev-2/relative_humidity";
        kafka.send(
                kafka.topics().alerts(),
                List.of(
                        Records.alert("too-hot", "dev-1", "air_temperature", AlertState.RAISED, T0),
                        Records.alert("too-dry", "dev-2", "relative_humidity", AlertState.RAISED, T0.plusSeconds(1)),
                        Records.alert("too-hot", "dev-1", "air_temperature", AlertState.ESCALATED, T0.plusSeconds(2))),
                Alert::getAlertId);
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> assertThat(redis.smembers(keys.alertsActive())).containsExactlyInAnyOrder(hot, dry));
        assertThat(redis.hget(keys.alertDetails(), hot))
                .contains("\"state\":\"ESCALATED\"")
                .contains("\"severity\":\"CRITICAL\"");
        assertThat(redis.smembers(keys.roomAlertsActive("room-a"))).containsExactlyInAnyOrder(hot, dry);

        kafka.send(
                kafka.topics().alerts(),
                List.of(
                        Records.alert("too-dry", "dev-2", "relative_humidity", AlertState.CLEARED, T0.plusSeconds(30)),
                        // a replay of the raise must not bring the cleared alert back
                        Records.alert("too-dry", "dev-2", "relative_humidity", AlertState.RAISED, T0.plusSeconds(1))),
                Alert::getAlertId);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(redis.smembers(keys.alertsActive())).containsExactly(hot);
            assertThat(redis.hkeys(keys.alertDetails())).containsExactly(hot);
            assertThat(redis.smembers(keys.siteAlertsActive("farm-1"))).containsExactly(hot);
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.summary().recordsConsumed() == 5);
        assertThat(redis.smembers(keys.alertsActive())).containsExactly(hot);
    }

    @Test
    void shouldKeepLiveKpisPerRoomWithAnExpiry() {
        kafka.send(
                kafka.topics().kpis(),
                List.of(
                        Records.kpi("room-a", "vpd", T0, 1.1),
                        Records.kpi("room-a", "vpd", T0.plus(Duration.ofHours(1)), 1.2),
                        Records.kpi("room-a", "dew_point", T0, 14.2)),
                Kpi::getRoom);

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() ->
                        assertThat(redis.hkeys(keys.roomKpis("room-a"))).containsExactlyInAnyOrder("vpd", "dew_point"));
        assertThat(redis.hget(keys.roomKpis("room-a"), "vpd")).contains("\"value\":1.2");
        assertThat(redis.pttl(keys.roomKpis("room-a")))
                .isBetween(1L, Duration.ofHours(25).toMillis());
    }

    @Test
    void shouldFlagAnomaliesUntilTheyExpireOrANewerScoreClearsThem() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        kafka.send(
                kafka.topics().anomalies(),
                List.of(
                        Records.anomaly("dev-1", "co2", now.minusSeconds(2), true),
                        Records.anomaly("dev-2", "co2", now.minusSeconds(1), true),
                        Records.anomaly("dev-3", "co2", now.minus(Duration.ofHours(2)), true)),
                AnomalyScore::getDeviceId);

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(redis.zrange(keys.anomaliesFlagged(), 0, -1))
                        .containsExactly("dev-1/co2", "dev-2/co2"));
        assertThat(redis.get(keys.anomalyFlag("dev-1", "co2"))).contains("\"score\":0.97");
        assertThat(redis.pttl(keys.anomalyFlag("dev-1", "co2")))
                .isBetween(1L, Duration.ofMinutes(15).toMillis());
        assertThat(redis.exists(keys.anomalyFlag("dev-3", "co2")))
                .as("expired before it arrived")
                .isZero();

        kafka.send(
                kafka.topics().anomalies(),
                List.of(Records.anomaly("dev-1", "co2", now, false)),
                AnomalyScore::getDeviceId);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(redis.exists(keys.anomalyFlag("dev-1", "co2"))).isZero();
            assertThat(redis.zrange(keys.anomaliesFlagged(), 0, -1)).containsExactly("dev-2/co2");
        });
    }

    @Test
    void shouldSummariseKeysPerPattern() {
        kafka.send(
                kafka.topics().enrichedReadings(),
                List.of(Records.reading("dev-1", "co2", T0, 800), Records.reading("dev-2", "co2", T0, 810)),
                Reading::getDeviceId);
        await().atMost(Duration.ofSeconds(30)).until(() -> redis.exists(keys.deviceLatest("dev-2")) == 1);

        SinkSummary summary = sink.summary();

        assertThat(summary.stored()).containsEntry("device:{id}:latest", 2L).containsEntry("active alerts", 0L);
        assertThat(summary.written()).containsEntry("latest", 2L);
        assertThat(summary.healthy()).isTrue();
    }
}
