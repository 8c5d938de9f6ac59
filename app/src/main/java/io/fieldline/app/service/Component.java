package io.fieldline.app.service;

import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * One part of the pipeline that a Fieldline process runs: a bridge, the Streams applications, a sink, the CDC
 * engine (and in the developer build the simulator and the demo schema). A component instance is started once
 * and closed once; the {@link Supervisor} replaces a failed one with a new instance.
 */
public interface Component extends AutoCloseable {

    /** Name for logs, health and metrics: {@code mqtt-bridge}, {@code sink-postgres}, ... */
    String name();

    /** Starts the component; returns once it is running and has finished its start-up (or throws). */
    void start() throws Exception;

    /** How it is doing now; cheap, called every supervision interval. */
    default Health health() {
        return Health.up("running");
    }

    /** Kafka consumer groups it consumes in, for the lag gauges. */
    default List<String> consumerGroups() {
        return List.of();
    }

    /** Messages taken from a source but not yet acknowledged to it (the MQTT in-flight window), if any. */
    default IntSupplier inFlight() {
        return null;
    }

    /** What the component did so far, for the closing summary (counters by name). */
    default Map<String, Object> summary() {
        return Map.of();
    }

    /**
     * Whether the closing summary is taken after {@link #close()} rather than just before: for a component whose
     * close does work worth reporting (the broker watch's drain).
     */
    default boolean summarizedAfterClose() {
        return false;
    }

    /** Stops taking input, finishes and acknowledges what is in flight, commits and closes; never throws. */
    @Override
    void close();
}
