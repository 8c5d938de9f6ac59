package io.fieldline.dev.up;

import java.util.Map;

/**
 * One running part of the pipeline that {@code fieldline up} starts and stops: a bridge, a
 * Streams application, a sink, the CDC engine, the simulator. Started in order, closed in
 * reverse order.
 */
public interface PipelineComponent extends AutoCloseable {

    /** Short name for logs and the summary. */
    String name();

    /** Starts the component; returns once it is running (or throws). */
    void start() throws Exception;

    /** What the component did so far, for the closing summary (counters by name). */
    Map<String, Object> summary();

    /**
     * Whether the closing summary is taken after {@link #close()} rather than just before: for a
     * component whose close does work worth reporting (the broker watch's drain).
     */
    default boolean summarizedAfterClose() {
        return false;
    }

    /** Stops the component and releases its resources; failures are logged, not thrown. */
    @Override
    void close();
}
