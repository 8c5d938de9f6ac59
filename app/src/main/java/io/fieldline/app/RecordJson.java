package io.fieldline.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * A Kafka record as one JSON object, for the commands that print records ({@code tail}, {@code dlq show}): Avro
 * values in the Confluent wire format decoded through the registry; anything else (dead letters) as UTF-8 text
 * when it is text, base64 otherwise; headers as text.
 */
public final class RecordJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RecordJson() {}

    public static String line(ConsumerRecord<byte[], byte[]> record, Deserializer<GenericRecord> avro)
            throws Exception {
        ObjectNode node = JSON.createObjectNode();
        node.put("topic", record.topic());
        node.put("partition", record.partition());
        node.put("offset", record.offset());
        node.put("timestamp", Instant.ofEpochMilli(record.timestamp()).toString());
        node.put("key", record.key() == null ? null : text(record.key()));
        if (record.value() == null) {
            node.putNull("value");
        } else if (record.value().length > 5 && record.value()[0] == 0) {
            try {
                GenericRecord value = avro.deserialize(record.topic(), record.value());
                node.set("value", JSON.readTree(value.toString()));
            } catch (RuntimeException e) {
                node.put("value", text(record.value()));
                node.put("error", e.getMessage());
            }
        } else {
            node.put("value", text(record.value()));
        }
        if (record.headers().iterator().hasNext()) {
            ObjectNode headers = node.putObject("headers");
            for (Header header : record.headers()) {
                headers.put(header.key(), header.value() == null ? null : text(header.value()));
            }
        }
        return JSON.writeValueAsString(node);
    }

    /** UTF-8 text when the bytes are valid UTF-8, else {@code base64:...}. */
    public static String text(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return "base64:" + Base64.getEncoder().encodeToString(bytes);
        }
    }
}
