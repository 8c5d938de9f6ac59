package io.fieldline.embedded;

/**
 * A real server run in-process or as a child process, on loopback ports chosen once at construction.
 *
 * <p>{@link #stop()} followed by {@link #start()} brings the server back on the same ports with the same
 * data, which is how outage tests simulate a server that is temporarily unreachable. {@link #close()} stops
 * the server and deletes its data directory; a closed server cannot be started again.
 */
public interface EmbeddedServer extends AutoCloseable {

    /** A short name for logs: "kafka", "postgres", ... */
    String name();

    /**
     * Starts the server and returns once it accepts clients. Starting a running server does nothing.
     *
     * @throws IllegalStateException if the server was closed
     */
    void start();

    /** Stops the server, keeping its ports and data for a later {@link #start()}. Stopping a stopped server does nothing. */
    void stop();

    /** @return whether the server is started and not stopped */
    boolean isRunning();

    /** The URL (or bootstrap list) clients connect to. */
    String url();

    /** Stops the server and deletes its data directory. */
    @Override
    void close();
}
