package io.fieldline.sink;

import static io.fieldline.testing.Records.T0;
import static io.fieldline.testing.Sql.names;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.RedisServer;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.sink.testing.KafkaFixture;
import io.fieldline.testing.DatabaseLayout;
import io.fieldline.testing.Records;
import io.fieldline.testing.TestDatabases;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A dedicated Redis server stopped under load: the PostgreSQL sink, in its own consumer groups, keeps
 * writing; the Redis sink waits, and catches up once Redis is back (empty, as after a crash).
 */
@ParameterizedClass
@EnumSource(DatabaseLayout.class)
@ExtendWith(EmbeddedStackExtension.class)
class RedisOutageIT {

    @Parameter
    DatabaseLayout layout;

    private static final int DEVICES = 5;

    private static List<Reading> round(int round) {
        List<Reading> readings = new ArrayList<>();
        for (int d = 0; d < DEVICES; d++) {
            for (int i = 0; i < 50; i++) {
                readings.add(Records.reading(
                        "dev-" + d, "air_temperature", T0.plusSeconds(round * 100L + i), round * 1000 + i));
            }
        }
        return readings;
    }

    @Test
    void shouldKeepPostgresGoingWhileRedisIsDownAndCatchUpRedisAfterwards(EmbeddedStack stack) throws Exception {
        try (RedisServer redisServer = new RedisServer();
                KafkaFixture kafka = new KafkaFixture(stack)) {
            redisServer.start();
            TestDatabases.TestDatabase database = layout.database(stack);
            Map<String, Object> props = new HashMap<>(kafka.sinkProperties());
            props.putAll(database.properties("sink.postgres."));
            props.putAll(layout.sinkSettings());
            props.put(SinkConfig.REDIS_URL, redisServer.url());
            props.put(SinkConfig.REDIS_COMMAND_TIMEOUT_MS, "1000");
            SinkConfig config = new SinkConfig(props);
            RedisKeys keys = config.redisKeys();
            DataSource ds = database.dataSource();
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            try (PostgresSinkService postgres = new PostgresSinkService(config, kafka.registry(), meters);
                    RedisSinkService redisSink = new RedisSinkService(config, kafka.registry(), meters)) {
                postgres.start();
                redisSink.start();

                kafka.send(kafka.topics().enrichedReadings(), round(1), Reading::getDeviceId);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertThat(count(ds)).isEqualTo(250);
                    assertThat(latest(redisServer, keys, "dev-4")).contains("\"value\":1049");
                });

                redisServer.stop();
                kafka.send(kafka.topics().enrichedReadings(), round(2), Reading::getDeviceId);
                kafka.send(kafka.topics().enrichedReadings(), round(3), Reading::getDeviceId);

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertThat(count(ds)).as("PostgreSQL keeps going").isEqualTo(750);
                    assertThat(redisSink.workerStates()).containsEntry(SinkStream.MEASUREMENTS, WorkerState.RETRYING);
                });
                assertThat(postgres.workerStates()).containsEntry(SinkStream.MEASUREMENTS, WorkerState.RUNNING);
                assertThat(redisSink.summary().degraded()).isTrue();

                redisServer.start();

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    for (int d = 0; d < DEVICES; d++) {
                        assertThat(latest(redisServer, keys, "dev-" + d)).contains("\"value\":3049");
                    }
                    assertThat(redisSink.workerStates()).containsEntry(SinkStream.MEASUREMENTS, WorkerState.RUNNING);
                });
                assertThat(count(ds)).isEqualTo(750);
            }
        }
    }

    @Test
    void shouldRetryForTheConfiguredTimeThenStopTheWorkerWithoutCommitting(EmbeddedStack stack) throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (KafkaFixture kafka = new KafkaFixture(stack)) {
            Map<String, Object> props = new HashMap<>(kafka.sinkProperties());
            props.put(SinkConfig.REDIS_URL, "redis://127.0.0.1:" + closedPort);
            props.put(SinkConfig.REDIS_STREAMS, "measurements");
            props.put(SinkConfig.REDIS_COMMAND_TIMEOUT_MS, "500");
            props.put(SinkConfig.RETRY_BACKOFF_INITIAL_MS, "50");
            props.put(SinkConfig.RETRY_BACKOFF_MAX_MS, "200");
            props.put(SinkConfig.RETRY_GIVE_UP_MS, "2000");
            SinkConfig config = new SinkConfig(props);
            try (RedisSinkService redisSink =
                    new RedisSinkService(config, kafka.registry(), new SimpleMeterRegistry())) {
                redisSink.start();
                long begin = System.nanoTime();
                kafka.send(kafka.topics().enrichedReadings(), round(1), Reading::getDeviceId);

                await().atMost(Duration.ofSeconds(30))
                        .untilAsserted(() -> assertThat(redisSink.workerStates())
                                .containsEntry(SinkStream.MEASUREMENTS, WorkerState.RETRYING));
                await().atMost(Duration.ofSeconds(30))
                        .untilAsserted(() -> assertThat(redisSink.workerStates())
                                .containsEntry(SinkStream.MEASUREMENTS, WorkerState.FAILED));

                assertThat(Duration.ofNanos(System.nanoTime() - begin))
                        .as("retried for sink.retry.give.up.ms")
                        .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
                assertThat(redisSink.summary().retries()).as("failed attempts").isGreaterThan(2);
                assertThat(redisSink.summary().healthy()).isFalse();
            }
            try (Admin admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()))) {
                assertThat(admin.listConsumerGroupOffsets(
                                        config.groupId(RedisSinkService.SINK, SinkStream.MEASUREMENTS))
                                .partitionsToOffsetAndMetadata()
                                .get())
                        .as("nothing committed")
                        .isEmpty();
            }
        }
    }

    private static String latest(RedisServer server, RedisKeys keys, String device) {
        RedisClient client = RedisClient.create(server.url());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            String value = c.sync().hget(keys.deviceLatest(device), "air_temperature");
            return value == null ? "" : value;
        } catch (RuntimeException e) {
            return "";
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }

    private static long count(DataSource ds) {
        try {
            return Long.parseLong(names(ds, "SELECT count(*) FROM measurement").get(0));
        } catch (java.sql.SQLException e) {
            return -1;
        }
    }
}
