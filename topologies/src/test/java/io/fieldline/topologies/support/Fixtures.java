package io.fieldline.topologies.support;

import java.time.Instant;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.streams.StreamsConfig;

import io.fieldline.schemas.avro.Device;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Sensor;
import io.fieldline.schemas.avro.Source;

/** Test data builders and driver properties. */
public final class Fixtures {

    /** Midnight UTC, 2025-03-01: a fixed origin for event times. */
    public static final Instant T0 = Instant.parse("2025-03-01T00:00:00Z");

    private Fixtures() {
    }

    public static Reading reading(String deviceId, String sensor, double value, Instant eventTime) {
        return Reading.newBuilder()
                .setDeviceId(deviceId)
                .setSensor(sensor)
                .setValue(value)
                .setEventTime(eventTime)
                .setIngestTime(eventTime)
                .setSource(Source.SIMULATOR)
                .setQuality(Quality.GOOD)
                .setAttributes(Map.of())
                .build();
    }

    public static Reading reading(String deviceId, String sensor, double value, Instant eventTime, String room) {
        Reading reading = reading(deviceId, sensor, value, eventTime);
        reading.setRoom(room);
        reading.setSite("farm-1");
        return reading;
    }

    public static Device device(String deviceId, String site, String room, Long expectedIntervalMs) {
        return Device.newBuilder()
                .setDeviceId(deviceId)
                .setSite(site)
                .setRoom(room)
                .setExpectedIntervalMs(expectedIntervalMs)
                .build();
    }

    public static Sensor sensor(String deviceId, String sensor, String unit, double offset, Double min, Double max) {
        return Sensor.newBuilder()
                .setDeviceId(deviceId)
                .setSensor(sensor)
                .setUnit(unit)
                .setCalibrationOffset(offset)
                .setValidMin(min)
                .setValidMax(max)
                .build();
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
