package io.fieldline.topologies.enrich;

import io.fieldline.schemas.avro.Device;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Sensor;

/**
 * The enrichment of one reading with its device and sensor metadata, as a pure function.
 *
 * <ul>
 *   <li>Unknown device: the reading passes through unchanged (and is counted by the topology).</li>
 *   <li>Site and room: the reading's own, else the device's.</li>
 *   <li>Unit: the reading's own, else the sensor's.</li>
 *   <li>Value: raw value plus the sensor's calibration offset; {@code rawValue} keeps the raw one.</li>
 *   <li>Quality: BAD when the calibrated value is outside the sensor's valid range or not finite;
 *       otherwise the reading's own. The reading is kept either way.</li>
 * </ul>
 */
final class ReadingEnricher {

    private ReadingEnricher() {}

    static Reading enrich(Reading reading, Device device, Sensor sensor) {
        if (device == null) {
            return reading;
        }
        double raw = reading.getValue();
        double value = sensor == null ? raw : raw + sensor.getCalibrationOffset();
        // A new record sharing the input's immutable field values (strings, instants) and its
        // attribute map, which nothing changes: Reading.newBuilder(reading) would deep-copy them
        // all, at a cost the per-reading path notices.
        return new Reading(
                reading.getDeviceId(),
                reading.getSensor(),
                value,
                reading.getUnit() == null && sensor != null ? sensor.getUnit() : reading.getUnit(),
                reading.getEventTime(),
                reading.getIngestTime(),
                reading.getSource(),
                !Double.isFinite(value) || outOfRange(value, sensor) ? Quality.BAD : reading.getQuality(),
                reading.getSite() != null ? reading.getSite() : device.getSite(),
                reading.getRoom() != null ? reading.getRoom() : device.getRoom(),
                raw,
                reading.getAttributes());
    }

    private static boolean outOfRange(double value, Sensor sensor) {
        if (sensor == null) {
            return false;
        }
        Double min = sensor.getValidMin();
        Double max = sensor.getValidMax();
        return (min != null && value < min) || (max != null && value > max);
    }
}
