package io.fieldline.topologies.support;

import io.fieldline.schemas.avro.Reading;
import io.fieldline.testing.Records;
import java.time.Instant;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;

/** The topology tests' time origin, readings in a room and driver properties; other records: {@link Records}. */
public final class Fixtures {

    /** Midnight UTC, 2025-03-01: a fixed origin for event times. */
    public static final Instant T0 = Instant.parse("2025-03-01T00:00:00Z");

    private Fixtures() {}

    /** A reading with only the required fields, in {@code room} of farm-1 (as the bridge sets them from the topic). */
    public static Reading reading(String deviceId, String sensor, Instant eventTime, double value, String room) {
        Reading reading = Records.minimalReading(deviceId, sensor, eventTime, value);
        reading.setRoom(room);
        reading.setSite("farm-1");
        return reading;
    }

    /** Properties for a TopologyTestDriver; exactly-once as in production. */
    public static Properties driverProperties(String applicationId) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        return props;
    }
}
