package io.fieldline.testing;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.LocalPostgres;
import io.fieldline.embedded.PostgresEndpoint;
import io.fieldline.embedded.PostgresServer;
import java.util.Map;

/**
 * The two storage layouts the storage tests run on: plain PostgreSQL (native range partitions) on the shared
 * stack's PostgreSQL, and TimescaleDB hypertables on {@link TimescaleServers}. A test class runs on both with
 * JUnit's class templates:
 *
 * <pre>{@code
 * @ParameterizedClass
 * @EnumSource(DatabaseLayout.class)
 * @ExtendWith(EmbeddedStackExtension.class)
 * class SinkIT {
 *     @Parameter DatabaseLayout layout;
 *     ... TestDatabases.create(layout.server(stack)) ... layout.sinkSettings() ...
 * }
 * }</pre>
 *
 * On a machine without TimescaleDB, the TIMESCALEDB run of each test is skipped with the reason (see
 * {@link TimescaleServers}).
 */
public enum DatabaseLayout {
    /** Native range partitioning, on the embedded PostgreSQL 17 (zonky) of the shared stack. */
    PLAIN("disable"),
    /** TimescaleDB hypertables, compression and retention policies. */
    TIMESCALEDB("require");

    /** The sink key that chooses the layout (the sink module's {@code SinkConfig.POSTGRES_TIMESCALE}). */
    public static final String SINK_TIMESCALE_KEY = "sink.postgres.timescale";

    private final String sinkTimescale;

    DatabaseLayout(String sinkTimescale) {
        this.sinkTimescale = sinkTimescale;
    }

    /**
     * The shared server of this layout; create a database of the test's own on it ({@link TestDatabases}).
     *
     * @throws org.opentest4j.TestAbortedException for TIMESCALEDB where there is none
     */
    public PostgresEndpoint server(EmbeddedStack stack) {
        return this == PLAIN ? stack.postgres() : TimescaleServers.shared();
    }

    /** A new database of the test's own on {@link #server}. */
    public TestDatabases.TestDatabase database(EmbeddedStack stack) {
        return TestDatabases.create(server(stack));
    }

    /** A server of the test's own, not started, that it may stop and start (outage tests); close it. */
    public LocalPostgres dedicatedServer() {
        return this == PLAIN ? new PostgresServer() : TimescaleServers.dedicated();
    }

    /** The sink settings that make migrations choose this layout (and fail if they cannot). */
    public Map<String, String> sinkSettings() {
        return Map.of(SINK_TIMESCALE_KEY, sinkTimescale);
    }

    /** {@code disable} or {@code require}: the value of {@link #SINK_TIMESCALE_KEY} for this layout. */
    public String sinkTimescale() {
        return sinkTimescale;
    }
}
