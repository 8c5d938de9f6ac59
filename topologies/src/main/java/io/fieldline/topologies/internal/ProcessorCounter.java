package io.fieldline.topologies.internal;

import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.ProcessingContext;

/**
 * A Kafka Streams custom metric that counts one kind of event of one processor: it appears in
 * {@code KafkaStreams.metrics()} in group {@code stream-fieldline-metrics} as
 * {@code <operation>-total} and {@code <operation>-rate}, tagged {@code fieldline-id=<processor>}.
 * Micrometer's {@code KafkaStreamsMetrics} binder exports it like any Streams metric.
 */
public final class ProcessorCounter {

    /** Metric scope: the group is {@code stream-fieldline-metrics}. */
    public static final String SCOPE = "fieldline";

    private final Sensor sensor;

    private ProcessorCounter(Sensor sensor) {
        this.sensor = sensor;
    }

    /** Registers (or finds, for another task on the same thread) the counter. */
    public static ProcessorCounter register(ProcessingContext context, String processorName, String operation) {
        return new ProcessorCounter(
                context.metrics().addRateTotalSensor(SCOPE, processorName, operation, Sensor.RecordingLevel.INFO));
    }

    public void increment() {
        sensor.record(1.0);
    }
}
