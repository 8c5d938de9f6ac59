package io.fieldline.bridge.ingress;

import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.kafka.common.header.Header;

/**
 * The source message a {@link IngressPublisher.Batch} is made from: what goes to the dead-letter topic, unchanged,
 * when the message or a record made from it cannot be published, and the headers every record made from it carries.
 *
 * @param sourceTopic     where it came from, for {@code fieldline.dlq.source.topic}: an MQTT topic, a file name
 * @param sourceOffset    line number (files) or offset, for {@code fieldline.dlq.source.offset}; null when none
 * @param key             key bytes of its dead letter (the MQTT topic, for example); may be null
 * @param payload         the message as received, asked for only when a dead letter is written
 * @param headers         headers of every record made from the message and of its dead letter (the
 *                        {@code fieldline.mqtt.*} ones, for example); may be empty
 */
public record Origin(
        String sourceTopic, Long sourceOffset, byte[] key, Supplier<byte[]> payload, List<Header> headers) {

    public Origin {
        Objects.requireNonNull(sourceTopic, "sourceTopic");
        Objects.requireNonNull(payload, "payload");
        headers = List.copyOf(Objects.requireNonNull(headers, "headers"));
    }

    /** A message from a message broker: its topic, its payload, the headers its records carry. */
    public static Origin message(String topic, byte[] key, byte[] payload, List<Header> headers) {
        return new Origin(topic, null, key, () -> payload, headers);
    }

    /** One line of a file or stream; the payload is computed only if it is dead-lettered. */
    public static Origin line(String source, long line, Supplier<byte[]> payload) {
        return new Origin(source, line, null, payload, List.of());
    }
}
