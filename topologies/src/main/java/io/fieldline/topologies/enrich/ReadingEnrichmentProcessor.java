package io.fieldline.topologies.enrich;

import io.fieldline.schemas.avro.Device;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Sensor;
import io.fieldline.topologies.internal.MetadataKeys;
import io.fieldline.topologies.internal.ProcessorCounter;
import java.util.Objects;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Enriches each reading with its device and sensor ({@link ReadingEnricher}) and forwards it to
 * every child. Tombstones are dropped: a null value can be neither enriched nor windowed. Readings
 * of devices missing from the device table are forwarded unchanged and counted.
 */
public final class ReadingEnrichmentProcessor implements Processor<String, Reading, String, Reading> {

    private final String name;
    private final String unknownOperation;
    private final MetadataTable<Device> devices;
    private final MetadataTable<Sensor> sensors;

    private ProcessorContext<String, Reading> context;
    private MetadataTable.Reader<Device> deviceReader;
    private MetadataTable.Reader<Sensor> sensorReader;
    private ProcessorCounter unknown;

    /**
     * @param name             this processor's node name (tags its counter)
     * @param unknownOperation the counter of readings of unknown devices
     */
    public ReadingEnrichmentProcessor(
            String name, String unknownOperation, MetadataTable<Device> devices, MetadataTable<Sensor> sensors) {
        this.name = Objects.requireNonNull(name, "name");
        this.unknownOperation = Objects.requireNonNull(unknownOperation, "unknownOperation");
        this.devices = Objects.requireNonNull(devices, "devices");
        this.sensors = Objects.requireNonNull(sensors, "sensors");
    }

    @Override
    public void init(ProcessorContext<String, Reading> context) {
        this.context = context;
        this.deviceReader = devices.reader(context);
        this.sensorReader = sensors.reader(context);
        this.unknown = ProcessorCounter.register(context, name, unknownOperation);
    }

    @Override
    public void process(Record<String, Reading> record) {
        Reading reading = record.value();
        if (reading == null) {
            return;
        }
        Device device = deviceReader.get(reading.getDeviceId());
        if (device == null) {
            unknown.increment();
            context.forward(record);
            return;
        }
        Sensor sensor = sensorReader.get(MetadataKeys.sensor(reading.getDeviceId(), reading.getSensor()));
        context.forward(record.withValue(ReadingEnricher.enrich(reading, device, sensor)));
    }
}
