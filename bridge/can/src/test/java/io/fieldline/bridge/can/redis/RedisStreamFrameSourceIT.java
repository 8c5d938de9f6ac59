package io.fieldline.bridge.can.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.bridge.can.CanBridgeConfig;
import io.fieldline.bridge.can.CanBridgeService;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.RedisServer;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.testing.KafkaTopics;
import io.fieldline.testing.TestNames;
import io.fieldline.testing.TopicTail;
import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.CommandType;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Frames from a real Redis stream into the real Kafka, acknowledged only after Kafka took them. */
@ExtendWith(EmbeddedStackExtension.class)
class RedisStreamFrameSourceIT {

    private final EmbeddedStack stack;

    RedisStreamFrameSourceIT(EmbeddedStack stack) {
        this.stack = stack;
    }

    @Test
    @SuppressWarnings("unchecked") // Lettuce's xreadgroup takes generic varargs
    void shouldPublishEntriesReReadPendingOnesAndAcknowledgeAfterKafka() throws Exception {
        String stream = "can:frames:" + UUID.randomUUID();
        TopicNames names = TestNames.topicNames("redisit");
        // Some entries carry 2023 timestamps: keep them past the broker's seven-day retention check.
        KafkaTopics.createMissing(
                stack.kafka().bootstrapServers(),
                1,
                KafkaTopics.KEEP_FOREVER,
                names.readings(),
                names.deadLetters("can"));
        RedisClient client = RedisClient.create(stack.redis().url());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> redis = connection.sync();
            // Before the bridge: the group exists, and a previous run of "bridge-1" took one entry and crashed
            // before acknowledging it; a vanished consumer left another entry pending.
            redis.xgroupCreate(
                    XReadArgs.StreamOffset.from(stream, "0"), "fieldline-can", XGroupCreateArgs.Builder.mkstream());
            redis.xadd(
                    stream,
                    Map.of("iface", "can0", "id", "18FEF1FE", "data", "640000401F000000", "ts", "1700000000.5"));
            redis.xadd(stream, Map.of("line", "(1700000001.000000) can0 18FEF1FE#C80000A00F000000"));
            List<StreamMessage<String, String>> taken = redis.xreadgroup(
                    Consumer.from("fieldline-can", "bridge-1"),
                    XReadArgs.Builder.count(1),
                    XReadArgs.StreamOffset.lastConsumed(stream));
            assertThat(taken).hasSize(1);
            redis.xreadgroup(
                    Consumer.from("fieldline-can", "gone-consumer"),
                    XReadArgs.Builder.count(1),
                    XReadArgs.StreamOffset.lastConsumed(stream));
            redis.xadd(stream, Map.of("id", "18FEF1FE", "data", "0A00008000000000"));
            // Garbage over Kafka's 1 MB record limit: its dead letter is cut to fit, or it would stop the input.
            redis.xadd(stream, Map.of("garbage", "y".repeat(2 * 1024 * 1024)));

            CanBridgeConfig config = new CanBridgeConfig(Map.of(
                    CanBridgeConfig.INPUT, "redis",
                    CanBridgeConfig.DBC_FILE, "classpath:dbc/decode-fixture.dbc",
                    CanBridgeConfig.REDIS_URL, stack.redis().url(),
                    CanBridgeConfig.REDIS_STREAM, stream,
                    CanBridgeConfig.REDIS_BLOCK_MS, "200",
                    CanBridgeConfig.REDIS_CLAIM_IDLE_MS, "0"));
            try (CanBridgeService service = new CanBridgeService(
                    stack.kafka().clientConfig(),
                    stack.schemaRegistry().url(),
                    names,
                    config,
                    new SimpleMeterRegistry())) {
                service.start();
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> redis.xpending(stream, "fieldline-can").getCount() == 0
                                && service.counts().frames() == 3
                                && service.counts().malformedLines() == 1);
                assertThat(service.failure()).isNull();
                assertThat(service.summary()).containsEntry("redisAcknowledged", 4L);

                // A new entry while running.
                redis.xadd(stream, Map.of("id", "18FEF1FE", "data", "FF00000000000000", "ts", "1700000003"));
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> service.counts().frames() == 4
                                && redis.xpending(stream, "fieldline-can").getCount() == 0);
            }
        } finally {
            client.shutdown();
        }

        // FeedRate (byte 0) and EngineSpeed (bytes 3-4 LE, 0.125 rpm/bit) of the four frames:
        // 64 / 40 1F -> 100, 0x1F40 = 8000 * 0.125 = 1000; C8 / A0 0F -> 200, 0x0FA0 = 4000 -> 500;
        // 0A / 80 00 -> 10, 0x0080 = 128 -> 16; FF / 00 00 -> 255, 0.
        List<Reading> readings = consume(names.readings(), 8);
        assertThat(readings)
                .filteredOn(r -> r.getSensor().equals("FeedRate"))
                .extracting(Reading::getValue)
                .containsExactlyInAnyOrder(100.0, 200.0, 10.0, 255.0);
        assertThat(readings)
                .filteredOn(r -> r.getSensor().equals("EngineSpeed"))
                .extracting(Reading::getValue)
                .containsExactlyInAnyOrder(1000.0, 500.0, 16.0, 0.0);
        assertThat(readings).extracting(Reading::getDeviceId).containsOnly("can0-Feeder");
    }

    @Test
    void shouldRetryRefusedReadsAndCarryOnOnceRedisServesThemAgain() throws Exception {
        String stream = "can:frames:" + UUID.randomUUID();
        TopicNames names =
                new TopicNames("redisretry-" + UUID.randomUUID().toString().substring(0, 8) + ".");
        KafkaTopics.createMissing(
                stack.kafka().bootstrapServers(),
                1,
                KafkaTopics.KEEP_FOREVER,
                names.readings(),
                names.deadLetters("can"));
        // A server of its own: the test takes XREADGROUP away from its default user for a while.
        try (RedisServer server = new RedisServer()) {
            server.start();
            RedisClient client = RedisClient.create(server.url());
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                RedisCommands<String, String> redis = connection.sync();
                CanBridgeConfig config = new CanBridgeConfig(Map.of(
                        CanBridgeConfig.INPUT, "redis",
                        CanBridgeConfig.DBC_FILE, "classpath:dbc/decode-fixture.dbc",
                        CanBridgeConfig.REDIS_URL, server.url(),
                        CanBridgeConfig.REDIS_STREAM, stream,
                        CanBridgeConfig.REDIS_BLOCK_MS, "200"));
                try (CanBridgeService service = new CanBridgeService(
                        stack.kafka().clientConfig(),
                        stack.schemaRegistry().url(),
                        names,
                        config,
                        new SimpleMeterRegistry())) {
                    service.start();
                    redis.xadd(stream, Map.of("id", "18FEF1FE", "data", "640000401F000000", "ts", "1700000000.5"));
                    await().atMost(Duration.ofSeconds(60))
                            .until(() -> service.counts().frames() == 1
                                    && redis.xpending(stream, "fieldline-can").getCount() == 0);

                    redis.aclSetuser("default", new AclSetuserArgs().removeCommand(CommandType.XREADGROUP));
                    await("reads refused, and tried again")
                            .atMost(Duration.ofSeconds(30))
                            .until(() -> refusedReads(redis) >= 2);
                    assertThat(service.failure()).as("still retrying").isNull();
                    redis.xadd(stream, Map.of("id", "18FEF1FE", "data", "C80000A00F000000", "ts", "1700000001"));
                    redis.aclSetuser("default", new AclSetuserArgs().addCommand(CommandType.XREADGROUP));

                    await().atMost(Duration.ofSeconds(30))
                            .until(() -> service.counts().frames() == 2
                                    && redis.xpending(stream, "fieldline-can").getCount() == 0);
                    assertThat(service.failure()).isNull();
                }
            } finally {
                client.shutdown();
            }
        }
    }

    /** XREADGROUP calls Redis refused (ACL LOG groups them, with a count). */
    private static long refusedReads(RedisCommands<String, String> redis) {
        return redis.aclLog().stream()
                .filter(entry -> "xreadgroup".equalsIgnoreCase(String.valueOf(entry.get("object"))))
                .mapToLong(entry -> Long.parseLong(String.valueOf(entry.get("count"))))
                .sum();
    }

    private List<Reading> consume(String topic, int count) {
        try (TopicTail<String, Reading> tail = TopicTail.avro(
                stack.kafka().bootstrapServers(), stack.schemaRegistry().url(), topic, Reading.class)) {
            List<Reading> out = tail.awaitCount(count, Duration.ofSeconds(60)).stream()
                    .map(r -> r.value())
                    .toList();
            assertThat(out).as("nothing more than expected arrives").hasSize(count);
            return out;
        }
    }
}
