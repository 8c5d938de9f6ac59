package io.fieldline.schemas.deadletter;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.schemas.DeadLetterHeaders;
import io.fieldline.schemas.TopicNames;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class DeadLetterRecordsTest {

    private static final TopicNames NAMES = new TopicNames("p.");
    private static final byte[] KEY = "dev-1".getBytes(StandardCharsets.UTF_8);
    private static final byte[] VALUE = {0x01, 0x02, 0x03};

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldCarryTheOriginalBytesAndEveryHeaderOfAFailedKafkaRecord() {
        RecordHeaders original = new RecordHeaders();
        original.add("traceparent", "00-abc".getBytes(StandardCharsets.UTF_8));
        original.add(DeadLetterHeaders.REASON, "an older reason".getBytes(StandardCharsets.UTF_8));
        ConsumerRecord<byte[], byte[]> failed = new ConsumerRecord<>(
                "p.telemetry.readings",
                3,
                1234L,
                1L,
                TimestampType.CREATE_TIME,
                KEY.length,
                VALUE.length,
                KEY,
                VALUE,
                original,
                Optional.empty());

        ProducerRecord<byte[], byte[]> record = DeadLetterRecords.builder(NAMES, "streams")
                .failed(failed)
                .reason("cannot decode value", new SerializationException("Unknown magic byte 0x01"))
                .clock(Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC))
                .build();

        assertThat(record.topic()).isEqualTo("p.deadletter.streams");
        assertThat(record.key()).isEqualTo(KEY);
        assertThat(record.value()).isEqualTo(VALUE);
        assertThat(header(record, DeadLetterHeaders.REASON)).isEqualTo("cannot decode value");
        assertThat(header(record, DeadLetterHeaders.EXCEPTION)).isEqualTo(SerializationException.class.getName());
        assertThat(header(record, DeadLetterHeaders.STAGE)).isEqualTo("streams");
        assertThat(header(record, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo("p.telemetry.readings");
        assertThat(header(record, DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo("3");
        assertThat(header(record, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("1234");
        assertThat(header(record, DeadLetterHeaders.TIMESTAMP)).isEqualTo("1700000000000");
        assertThat(header(record, "traceparent")).isEqualTo("00-abc");
        assertThat(record.headers().headers(DeadLetterHeaders.REASON)).hasSize(1);
    }

    @Test
    void shouldOmitWhatIsUnknownForANonKafkaSource() {
        ProducerRecord<byte[], byte[]> record = DeadLetterRecords.builder(NAMES, "mqtt")
                .value(VALUE)
                .source("site/a/room/1/dev-1")
                .reason("payload is not JSON", null)
                .timestamp(42L)
                .build();

        assertThat(record.topic()).isEqualTo("p.deadletter.mqtt");
        assertThat(record.key()).isNull();
        assertThat(header(record, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo("site/a/room/1/dev-1");
        assertThat(header(record, DeadLetterHeaders.SOURCE_PARTITION)).isNull();
        assertThat(header(record, DeadLetterHeaders.SOURCE_OFFSET)).isNull();
        assertThat(header(record, DeadLetterHeaders.EXCEPTION)).isNull();
        assertThat(header(record, DeadLetterHeaders.TIMESTAMP)).isEqualTo("42");
    }

    @Test
    void shouldUseTheExceptionMessageWhenNoReasonIsGiven() {
        ProducerRecord<byte[], byte[]> record = DeadLetterRecords.builder(NAMES, "sink")
                .reason(null, new IllegalArgumentException("value is NaN"))
                .build();

        assertThat(header(record, DeadLetterHeaders.REASON)).isEqualTo("value is NaN");
    }

    @Test
    void shouldTruncateAHugeReason() {
        String huge = "x".repeat(DeadLetterRecords.MAX_REASON_LENGTH * 10);

        ProducerRecord<byte[], byte[]> record =
                DeadLetterRecords.builder(NAMES, "sink").reason(huge, null).build();

        String reason = header(record, DeadLetterHeaders.REASON);
        assertThat(reason).hasSize(DeadLetterRecords.MAX_REASON_LENGTH).endsWith("...");
    }

    @Test
    void shouldNotSplitASurrogatePairWhenTruncating() {
        String emoji = "\uD83D\uDE00";
        String reason = "a".repeat(DeadLetterRecords.MAX_REASON_LENGTH - 4) + emoji + "tail".repeat(10);

        String cut = DeadLetterRecords.truncate(reason);

        assertThat(cut).endsWith("a...");
        assertThat(cut.length()).isLessThanOrEqualTo(DeadLetterRecords.MAX_REASON_LENGTH);
    }
}
