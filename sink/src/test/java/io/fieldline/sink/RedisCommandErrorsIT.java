package io.fieldline.sink;

import static io.fieldline.testing.Records.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.DeadLetterHeaders;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.sink.testing.KafkaFixture;
import io.fieldline.testing.Records;
import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.CommandType;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Error replies of a real Redis: only those about the record dead-letter it; a server condition (here a
 * missing ACL permission, like MISCONF or any code the sink does not know) is retried, nothing committed.
 */
@ExtendWith(EmbeddedStackExtension.class)
class RedisCommandErrorsIT {

    private final EmbeddedStack stack;
    private KafkaFixture kafka;
    private RedisClient admin;
    private StatefulRedisConnection<String, String> connection;
    private RedisCommands<String, String> redis;
    private String user;

    RedisCommandErrorsIT(EmbeddedStack stack) {
        this.stack = stack;
    }

    @BeforeEach
    void setUp() {
        kafka = new KafkaFixture(stack);
        admin = RedisClient.create(stack.redis().url());
        connection = admin.connect();
        redis = connection.sync();
        user = "sink-it-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void tearDown() {
        redis.aclDeluser(user);
        connection.close();
        admin.shutdown();
        kafka.close();
    }

    private RedisSinkService sink(String url, RedisKeys[] keys) {
        Map<String, Object> props = new HashMap<>(kafka.sinkProperties());
        props.put(SinkConfig.REDIS_URL, url);
        props.put(SinkConfig.REDIS_STREAMS, "measurements");
        props.put(
                SinkConfig.REDIS_KEY_PREFIX,
                "it-" + UUID.randomUUID().toString().substring(0, 8));
        SinkConfig config = new SinkConfig(props);
        keys[0] = config.redisKeys();
        return new RedisSinkService(config, kafka.registry(), new SimpleMeterRegistry());
    }

    @Test
    void shouldRetryRatherThanDeadLetterWhenRedisRefusesTheCommandItself() {
        // may load scripts but not run them: NOPERM on every EVALSHA, which says nothing about the records
        redis.aclSetuser(
                user,
                AclSetuserArgs.Builder.on()
                        .addPassword("pw")
                        .allKeys()
                        .allCommands()
                        .removeCommand(CommandType.EVALSHA));
        String url = stack.redis().url().replace("redis://", "redis://" + user + ":pw@");
        RedisKeys[] keys = new RedisKeys[1];
        try (RedisSinkService sink = sink(url, keys)) {
            sink.start();
            kafka.send(
                    kafka.topics().enrichedReadings(),
                    List.of(Records.reading("dev-1", "co2", T0, 800), Records.reading("dev-2", "co2", T0, 810)),
                    Reading::getDeviceId);

            await().atMost(Duration.ofSeconds(30))
                    .failFast("records were dead-lettered", () -> sink.summary().deadLetters() > 0)
                    .untilAsserted(() -> {
                        assertThat(sink.summary().retries()).isGreaterThanOrEqualTo(3);
                        assertThat(sink.workerStates()).containsEntry(SinkStream.MEASUREMENTS, WorkerState.RETRYING);
                    });
            assertThat(sink.summary().deadLetters()).as("dead letters").isZero();

            redis.aclSetuser(user, AclSetuserArgs.Builder.allCommands());

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(redis.hget(keys[0].deviceLatest("dev-1"), "co2")).contains("\"value\":800");
                assertThat(redis.hget(keys[0].deviceLatest("dev-2"), "co2")).contains("\"value\":810");
                assertThat(sink.workerStates()).containsEntry(SinkStream.MEASUREMENTS, WorkerState.RUNNING);
            });
            assertThat(sink.summary().deadLetters()).isZero();
        }
    }

    @Test
    void shouldDeadLetterARecordWhoseKeyHoldsAnotherTypeAndWriteTheRest() {
        RedisKeys[] keys = new RedisKeys[1];
        try (RedisSinkService sink = sink(stack.redis().url(), keys)) {
            redis.set(keys[0].deviceLatest("dev-bad"), "not a hash");
            sink.start();
            kafka.send(
                    kafka.topics().enrichedReadings(),
                    List.of(Records.reading("dev-ok", "co2", T0, 800), Records.reading("dev-bad", "co2", T0, 810)),
                    Reading::getDeviceId);

            List<ConsumerRecord<String, byte[]>> letters =
                    kafka.readAll(kafka.topics().deadLetters("sink"), 1);

            assertThat(letters).hasSize(1);
            assertThat(letters.get(0).key()).isEqualTo("dev-bad");
            assertThat(new String(
                            letters.get(0)
                                    .headers()
                                    .lastHeader(DeadLetterHeaders.REASON)
                                    .value(),
                            StandardCharsets.UTF_8))
                    .contains("WRONGTYPE");
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(redis.hget(keys[0].deviceLatest("dev-ok"), "co2"))
                            .contains("\"value\":800"));
        }
    }
}
