package io.fieldline.app;

import io.fieldline.app.service.ServiceContext;
import io.fieldline.sink.SinkConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BiFunction;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where the commands that work on Fieldline's own tables ({@code devices}, {@code tokens}) find the database. */
final class DatabaseOptions {

    @Mixin
    ConfigOptions config;

    @Option(
            names = "--endpoints",
            paramLabel = "FILE",
            defaultValue = ".fieldline/endpoints.env",
            description = "Endpoints written by fieldline up, used when sink.postgres.url is not configured "
                    + "(default: ${DEFAULT-VALUE}).")
    Path endpoints;

    /**
     * @param applicationName the name the connections show in {@code pg_stat_activity}
     * @param client what works on the database, from its data source and schema
     * @throws IllegalArgumentException when no database is configured nor written by {@code fieldline up}
     */
    <T> T open(String applicationName, BiFunction<DataSource, String, T> client) {
        Map<String, String> settings = config.load();
        // The configured sink.postgres.* win; endpoints.env's JDBC_* fill what is unset, as for fieldline run.
        Map<String, Object> merged =
                new ServiceContext(settings, EndpointOptions.read(endpoints), new SimpleMeterRegistry()).settings();
        SinkConfig sink = new SinkConfig(merged);
        String url = sink.getString(SinkConfig.POSTGRES_URL);
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("no database: set " + SinkConfig.POSTGRES_URL
                    + " (FIELDLINE_SINK_POSTGRES_URL), or run ./fieldline up first (looked in " + endpoints + ")");
        }
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(url);
        dataSource.setUser(sink.getString(SinkConfig.POSTGRES_USER));
        dataSource.setPassword(sink.getPassword(SinkConfig.POSTGRES_PASSWORD).value());
        dataSource.setApplicationName(applicationName);
        return client.apply(dataSource, sink.schema());
    }
}
