package io.fieldline.connectors.cdc;

import static io.fieldline.connectors.cdc.ChangeEvents.change;
import static io.fieldline.connectors.cdc.ChangeEvents.struct;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.fieldline.schemas.DeadLetterHeaders;
import io.fieldline.schemas.TopicNames;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/**
 * The commit discipline of the change consumer, with Kafka's own MockProducer standing in for
 * the broker so that acknowledgements can be held back and failed at will (the ITs run it on a
 * real broker).
 */
class KafkaChangePublisherTest {

    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final KafkaChangePublisher publisher = new KafkaChangePublisher(
            new ChangeEventRouter("public", TopicNames.defaults(), (room, rack) -> new DevicePlacement("farm", room)),
            AvroBinarySerializer.metadataSerializers(),
            producer,
            TopicNames.defaults(),
            meters,
            Duration.ofSeconds(10),
            Clock.fixed(Instant.ofEpochMilli(1234), ZoneOffset.UTC));
    private final RecordingCommitter committer = new RecordingCommitter();

    @Test
    void shouldMarkEventsProcessedOnlyAfterKafkaAcknowledgedTheBatch() throws Exception {
        List<RecordChangeEvent<SourceRecord>> batch =
                List.of(rule("hot", "c"), event(ChangeEvents.heartbeat()), rule("cold", "c"));

        CompletableFuture<Void> handling = CompletableFuture.runAsync(() -> handle(batch));
        await().atMost(Duration.ofSeconds(5)).until(() -> producer.history().size() == 2);
        Thread.sleep(100);
        assertThat(committer.processed).isEmpty();
        assertThat(committer.batchesFinished).isZero();

        producer.completeNext();
        producer.completeNext();
        handling.get(5, TimeUnit.SECONDS);

        assertThat(committer.processed).containsExactlyElementsOf(batch);
        assertThat(committer.batchesFinished).isEqualTo(1);
        assertThat(producer.history()).extracting(KafkaChangePublisherTest::key).containsExactly("hot", "cold");
        assertThat(producer.history()).extracting(ProducerRecord::topic).containsOnly("metadata.alert-rules");
    }

    @Test
    void shouldFailTheBatchWithoutMarkingAnythingWhenKafkaRejectsARecord() {
        List<RecordChangeEvent<SourceRecord>> batch = List.of(rule("hot", "c"), rule("cold", "c"));

        CompletableFuture<Void> handling = CompletableFuture.runAsync(() -> handle(batch));
        await().atMost(Duration.ofSeconds(5)).until(() -> producer.history().size() == 2);
        producer.completeNext();
        producer.errorNext(new org.apache.kafka.common.errors.NotEnoughReplicasException("no replicas"));

        assertThatThrownBy(() -> handling.get(5, TimeUnit.SECONDS))
                .hasRootCauseInstanceOf(org.apache.kafka.common.errors.NotEnoughReplicasException.class)
                .hasCauseInstanceOf(ConnectException.class);
        assertThat(committer.processed).isEmpty();
        assertThat(committer.batchesFinished).isZero();
    }

    @Test
    void shouldPublishADeleteAsATombstone() {
        producer.close();
        MockProducer<byte[], byte[]> acking =
                new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        KafkaChangePublisher autoAck = new KafkaChangePublisher(
                new ChangeEventRouter("public", TopicNames.defaults(), (room, rack) -> DevicePlacement.NOWHERE),
                AvroBinarySerializer.metadataSerializers(),
                acking,
                TopicNames.defaults(),
                meters,
                Duration.ofSeconds(10),
                Clock.systemUTC());
        var before = struct(MetadataRowMapperTest.ALERT_RULE, "rule_id", "hot");

        handle(
                autoAck,
                List.of(event(change(
                        "alert_rule", "d", MetadataRowMapperTest.ALERT_RULE, List.of("rule_id"), before, null))));

        assertThat(acking.history()).singleElement().satisfies(record -> {
            assertThat(key(record)).isEqualTo("hot");
            assertThat(record.value()).isNull();
            assertThat(record.topic()).isEqualTo("metadata.alert-rules");
        });
        assertThat(meters.counter(MetadataCdc.METER_CHANGES, "table", "alert_rule", "op", "d")
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void shouldDeadLetterAnUnmappableRowWithTheReasonAndKeepGoing() throws Exception {
        var bad = struct(MetadataRowMapperTest.ALERT_RULE, "rule_id", "bad", "direction", "UP", "threshold", 1.0);
        List<RecordChangeEvent<SourceRecord>> batch = List.of(
                event(change("alert_rule", "c", MetadataRowMapperTest.ALERT_RULE, List.of("rule_id"), null, bad)),
                rule("good", "c"));

        CompletableFuture<Void> handling = CompletableFuture.runAsync(() -> handle(batch));
        await().atMost(Duration.ofSeconds(5)).until(() -> producer.history().size() == 2);
        producer.completeNext();
        producer.completeNext();
        handling.get(5, TimeUnit.SECONDS);

        ProducerRecord<byte[], byte[]> deadLetter = producer.history().get(0);
        assertThat(deadLetter.topic()).isEqualTo("deadletter.cdc");
        assertThat(header(deadLetter, DeadLetterHeaders.REASON))
                .contains("direction")
                .contains("UP");
        assertThat(header(deadLetter, DeadLetterHeaders.STAGE)).isEqualTo("cdc");
        assertThat(header(deadLetter, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo("fieldline_cdc.public.alert_rule");
        assertThat(header(deadLetter, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("42");
        assertThat(header(deadLetter, DeadLetterHeaders.TIMESTAMP)).isEqualTo("1234");
        assertThat(new String(deadLetter.value(), StandardCharsets.UTF_8)).contains("\"rule_id\":\"bad\"");
        assertThat(key(deadLetter)).isEqualTo("{\"rule_id\":\"bad\"}");
        assertThat(key(producer.history().get(1))).isEqualTo("good");
        assertThat(committer.processed).hasSize(2);
        assertThat(meters.counter(MetadataCdc.METER_DEAD_LETTERS, "reason", MetadataCdc.REASON_INVALID_ROW)
                        .count())
                .isEqualTo(1.0);
        assertThat(meters.counter(MetadataCdc.METER_DEAD_LETTERS, "reason", MetadataCdc.REASON_UNCONVERTIBLE)
                        .count())
                .isZero();
    }

    private void handle(List<RecordChangeEvent<SourceRecord>> batch) {
        handle(publisher, batch);
    }

    private void handle(KafkaChangePublisher target, List<RecordChangeEvent<SourceRecord>> batch) {
        try {
            target.handleBatch(batch, committer);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String key(ProducerRecord<byte[], byte[]> record) {
        return new String(record.key(), StandardCharsets.UTF_8);
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static RecordChangeEvent<SourceRecord> rule(String id, String op) {
        var row = struct(MetadataRowMapperTest.ALERT_RULE, "rule_id", id, "direction", "ABOVE", "threshold", 30.0);
        return event(change("alert_rule", op, MetadataRowMapperTest.ALERT_RULE, List.of("rule_id"), null, row));
    }

    private static RecordChangeEvent<SourceRecord> event(SourceRecord record) {
        return () -> record;
    }

    private static final class RecordingCommitter
            implements DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> {
        final List<RecordChangeEvent<SourceRecord>> processed = new CopyOnWriteArrayList<>();
        volatile int batchesFinished;

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record) {
            processed.add(record);
        }

        @Override
        public void markBatchFinished() {
            batchesFinished++;
        }

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record, DebeziumEngine.Offsets sourceOffsets) {
            processed.add(record);
        }

        @Override
        public DebeziumEngine.Offsets buildOffsets() {
            throw new UnsupportedOperationException();
        }
    }
}
