package io.fieldline.topologies.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * State-store key of one open window: its start first, then up to two identifiers (a device and a
 * sensor, or a room and nothing).
 *
 * <p>The start comes first, big-endian with the sign bit flipped, so that the stores' byte order
 * (RocksDB and the in-memory store both compare bytes lexicographically) is window-start order:
 * every window that may close is found with one range scan from the lowest key up to
 * {@link #lowest(long)} of the close bound, without scanning the open ones.
 *
 * @param start  window start, epoch milliseconds
 * @param first  first identifier, never null
 * @param second second identifier, never null (empty when unused)
 */
public record WindowKey(long start, String first, String second) {

    public WindowKey {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(second, "second");
    }

    /** A key that sorts before every real key of windows starting at {@code start}. */
    public static WindowKey lowest(long start) {
        return new WindowKey(start, "", "");
    }

    /** Serde for the store; the byte layout is described on the class. */
    public static Serde<WindowKey> serde() {
        return Serdes.serdeFrom(new KeySerializer(), new KeyDeserializer());
    }

    private static final class KeySerializer implements Serializer<WindowKey> {
        @Override
        public byte[] serialize(String topic, WindowKey key) {
            if (key == null) {
                return null;
            }
            byte[] first = key.first.getBytes(StandardCharsets.UTF_8);
            byte[] second = key.second.getBytes(StandardCharsets.UTF_8);
            // An empty first identifier must sort before any non-empty one: its length prefix 0 does.
            ByteBuffer buffer = ByteBuffer.allocate(8 + 4 + first.length + second.length);
            buffer.putLong(key.start ^ Long.MIN_VALUE);
            buffer.putInt(first.length);
            buffer.put(first);
            buffer.put(second);
            return buffer.array();
        }
    }

    private static final class KeyDeserializer implements Deserializer<WindowKey> {
        @Override
        public WindowKey deserialize(String topic, byte[] data) {
            if (data == null) {
                return null;
            }
            ByteBuffer buffer = ByteBuffer.wrap(data);
            long start = buffer.getLong() ^ Long.MIN_VALUE;
            int firstLength = buffer.getInt();
            String first = new String(data, 12, firstLength, StandardCharsets.UTF_8);
            int secondOffset = 12 + firstLength;
            String second = new String(data, secondOffset, data.length - secondOffset, StandardCharsets.UTF_8);
            return new WindowKey(start, first, second);
        }
    }
}
