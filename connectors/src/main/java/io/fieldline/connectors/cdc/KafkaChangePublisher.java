package io.fieldline.connectors.cdc;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.deadletter.DeadLetterRecords;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's change consumer: publishes each batch of change events to the metadata topics
 * and marks the events processed only once Kafka acknowledged every record of the batch, so the
 * offsets Debezium commits (and the WAL position it confirms to the slot) never run ahead of what
 * Kafka holds. A crash between the two replays the batch: at-least-once, and consumers of the
 * compacted topics are idempotent by key.
 *
 * <p>Rows that cannot be mapped go to {@code deadletter.cdc} with the reason in headers and are
 * counted; the stream goes on. A record Kafka does not acknowledge (after the producer's own
 * retries, bounded by {@code delivery.timeout.ms}) fails the batch loudly: the engine stops with
 * the error rather than skip a change.
 */
final class KafkaChangePublisher implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {

    static final String STAGE = "cdc";
    private static final Logger LOG = LoggerFactory.getLogger(KafkaChangePublisher.class);

    private final ChangeEventRouter router;
    private final MetadataSerializers serializers;
    private final Producer<byte[], byte[]> producer;
    private final TopicNames topics;
    private final MeterRegistry meters;
    private final Duration sendTimeout;
    private final Clock clock;
    private final JsonConverter json = new JsonConverter();
    private final Map<String, Counter> deadLetters = new HashMap<>();
    private final Counter skipped;

    KafkaChangePublisher(
            ChangeEventRouter router,
            MetadataSerializers serializers,
            Producer<byte[], byte[]> producer,
            TopicNames topics,
            MeterRegistry meters,
            Duration sendTimeout,
            Clock clock) {
        this.router = Objects.requireNonNull(router, "router");
        this.serializers = Objects.requireNonNull(serializers, "serializers");
        this.producer = Objects.requireNonNull(producer, "producer");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.meters = Objects.requireNonNull(meters, "meters");
        this.sendTimeout = Objects.requireNonNull(sendTimeout, "sendTimeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        json.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false"), false);
        for (String reason : new String[] {MetadataCdc.REASON_INVALID_ROW, MetadataCdc.REASON_UNCONVERTIBLE}) {
            deadLetters.put(
                    reason,
                    Counter.builder(MetadataCdc.METER_DEAD_LETTERS)
                            .tag("reason", reason)
                            .description("Captured rows that could not be mapped and went to the dead-letter topic")
                            .register(meters));
        }
        this.skipped = Counter.builder(MetadataCdc.METER_SKIPPED)
                .description("Change events with nothing to publish (heartbeats, messages, other tables)")
                .register(meters);
    }

    @Override
    public void handleBatch(
            List<RecordChangeEvent<SourceRecord>> events,
            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        List<Future<RecordMetadata>> sends = new ArrayList<>(events.size());
        for (RecordChangeEvent<SourceRecord> event : events) {
            SourceRecord change = event.record();
            ChangeEventRouter.Routed routed = router.route(change);
            if (routed instanceof ChangeEventRouter.Publish publish) {
                byte[] value = serializers.serialize(publish.table(), publish.topic(), publish.value());
                sends.add(producer.send(new ProducerRecord<>(
                        publish.topic(),
                        null,
                        changeTime(change),
                        publish.key().getBytes(StandardCharsets.UTF_8),
                        value)));
                Counter.builder(MetadataCdc.METER_CHANGES)
                        .tag("table", publish.table().tableName())
                        .tag("op", publish.operation())
                        .description("Changes of the captured tables published, by table and operation")
                        .register(meters)
                        .increment();
                LOG.debug(
                        "Publishing {} {} key {} to {}",
                        publish.table().tableName(),
                        publish.operation(),
                        publish.key(),
                        publish.topic());
            } else if (routed instanceof ChangeEventRouter.Invalid invalid) {
                LOG.warn(
                        "Dead-lettering a change of table {} at {}: {}",
                        invalid.table().tableName(),
                        change.sourceOffset(),
                        invalid.reason());
                sends.add(producer.send(deadLetter(change, invalid)));
                deadLetters
                        .get(
                                invalid.cause() instanceof InvalidRowException
                                        ? MetadataCdc.REASON_INVALID_ROW
                                        : MetadataCdc.REASON_UNCONVERTIBLE)
                        .increment();
            } else {
                skipped.increment();
            }
        }
        awaitAcknowledgements(sends);
        for (RecordChangeEvent<SourceRecord> event : events) {
            committer.markProcessed(event);
        }
        committer.markBatchFinished();
    }

    @Override
    public boolean supportsTombstoneEvents() {
        // The delete event itself becomes the tombstone; Debezium's extra tombstone would be a duplicate.
        return false;
    }

    private void awaitAcknowledgements(List<Future<RecordMetadata>> sends) throws InterruptedException {
        long deadline = System.nanoTime() + sendTimeout.toNanos();
        for (Future<RecordMetadata> send : sends) {
            try {
                send.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                throw new ConnectException(
                        "Kafka did not acknowledge a metadata change; stopping so that the "
                                + "change is replayed from the last committed offset on restart",
                        e.getCause());
            } catch (TimeoutException e) {
                throw new ConnectException(
                        "Kafka did not acknowledge a metadata change within " + sendTimeout
                                + "; stopping so that the change is replayed from the last committed offset on restart",
                        e);
            }
        }
    }

    private static Long changeTime(SourceRecord change) {
        if (change.value() instanceof Struct envelope && envelope.schema().field("ts_ms") != null) {
            return envelope.getInt64("ts_ms");
        }
        return null;
    }

    private ProducerRecord<byte[], byte[]> deadLetter(SourceRecord change, ChangeEventRouter.Invalid invalid) {
        // The original change, as Debezium's JSON of the key and the envelope, so an operator can read and replay it.
        Object lsn =
                change.sourceOffset() == null ? null : change.sourceOffset().get("lsn");
        return DeadLetterRecords.builder(topics, STAGE)
                .key(json.fromConnectData(change.topic(), change.keySchema(), change.key()))
                .value(json.fromConnectData(change.topic(), change.valueSchema(), change.value()))
                .reason(invalid.reason(), invalid.cause())
                .source(change.topic(), null, lsn instanceof Number number ? number.longValue() : null)
                .clock(clock)
                .build();
    }
}
