package io.fieldline.bridge.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.core.kafka.TopicReadiness;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Source;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.testing.TestTimes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The edges' producer sending at once to a just-created topic (Faults issue, defect 15). Without waiting for
 * the partitions to be served, nearly every round on the embedded 4.3 broker lost records: a first batch refused
 * with NOT_LEADER_OR_FOLLOWER was then refused as out of order until its delivery timeout, because a batch
 * behind it had landed first (KAFKA-15591). {@link TopicReadiness} is what every topic creator calls.
 */
@ExtendWith(EmbeddedStackExtension.class)
class FreshTopicFirstSendIT {

    private static final int PARTITIONS = 24;
    private static final int RECORDS = 4000;

    private final EmbeddedStack stack;
    private final String bootstrap;

    FreshTopicFirstSendIT(EmbeddedStack stack) {
        this.stack = stack;
        this.bootstrap = stack.kafka().bootstrapServers();
    }

    @Test
    void shouldDeliverEveryRecordSentAtOnceToJustCreatedTopicsOnceTheirPartitionsAreServed() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            for (int round = 0; round < 5; round++) {
                TopicNames names =
                        new TopicNames("fresh-" + UUID.randomUUID().toString().substring(0, 8) + ".");
                admin.createTopics(List.of(
                                new NewTopic(names.readings(), PARTITIONS, (short) 1),
                                new NewTopic(names.deadLetters("it"), 1, (short) 1)))
                        .all()
                        .get(30, TimeUnit.SECONDS);
                TopicReadiness.awaitWritable(
                        admin, List.of(names.readings(), names.deadLetters("it")), Duration.ofSeconds(30));

                List<CompletableFuture<IngressPublisher.Outcome>> outcomes = new ArrayList<>();
                // Small batches and no linger: many requests per partition in flight from the first send on,
                // as under a backlog.
                IngressSettings settings = IngressSettings.of("it", bootstrap)
                        .withClientId("fresh-it")
                        .withLingerMs(0)
                        .withDeliveryTimeoutMs(10_000)
                        .withProducerOverrides(
                                Map.<String, Object>of("batch.size", "512", "request.timeout.ms", "5000"));
                try (IngressPublisher publisher = IngressPublisher.withSchemaRegistry(
                        settings,
                        names,
                        new HttpSchemaRegistryClient(stack.schemaRegistry().url()),
                        new SimpleMeterRegistry())) {
                    for (int n = 0; n < RECORDS; n++) {
                        outcomes.add(publisher
                                .batch(Origin.line("it", n, () -> new byte[0]))
                                .reading(reading("dev-" + n % 200, n))
                                .seal());
                    }
                    CompletableFuture.allOf(outcomes.toArray(CompletableFuture<?>[]::new))
                            .exceptionally(e -> null)
                            .get(60, TimeUnit.SECONDS);
                    assertThat(outcomes.stream().filter(CompletableFuture::isCompletedExceptionally))
                            .as("round %d: sends that failed", round)
                            .isEmpty();
                    assertThat(publisher.state()).isEqualTo(IngressPublisher.State.RUNNING);
                }
                assertThat(recordsIn(admin, names.readings()))
                        .as("round %d: records in %s", round, names.readings())
                        .isEqualTo(RECORDS);
            }
        }
    }

    @Test
    void shouldNameTheTopicThatIsNotWritableWhenTheWaitRunsOut() throws Exception {
        String absent = "absent-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            assertThatThrownBy(() -> TopicReadiness.awaitWritable(admin, List.of(absent), Duration.ofSeconds(2)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(absent)
                    .hasMessageContaining("not writable");
        }
    }

    private static long recordsIn(Admin admin, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<TopicPartition, ListOffsetsResultInfo> ends =
                admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
        return ends.values().stream().collect(Collectors.summingLong(ListOffsetsResultInfo::offset));
    }

    private static Reading reading(String device, int n) {
        return Reading.newBuilder()
                .setDeviceId(device)
                .setSensor("seq")
                .setValue(n)
                .setEventTime(Instant.ofEpochMilli(TestTimes.BASE_MILLIS + n))
                .setIngestTime(Instant.now())
                .setSource(Source.MQTT)
                .setQuality(Quality.GOOD)
                .build();
    }
}
