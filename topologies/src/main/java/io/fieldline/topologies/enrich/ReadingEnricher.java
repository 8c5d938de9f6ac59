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

    private ReadingEnricher() {
    }

    static Reading enrich(Reading reading, Device device, Sensor sensor) {
        if (device == null) {
            return reading;
        }
        double raw = reading.getValue();
        double value = sensor == null ? raw : raw + sensor.getCalibrationOffset();
        Reading.Builder enriched = Reading.newBuilder(reading)
                .setRawValue(raw)
                .setValue(value)
                .setSite(reading.getSite() != null ? reading.getSite() : device.getSite())
                .setRoom(reading.getRoom() != null ? reading.getRoom() : device.getRoom());
        if (reading.getUnit() == null && sensor != null) {
            enriched.setUnit(sensor.getUnit());
        }
        if (!Double.isFinite(value) || outOfRange(value, sensor)) {
            enriched.setQuality(Quality.BAD);
        }
        return enriched.build();
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
