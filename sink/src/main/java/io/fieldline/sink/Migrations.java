package io.fieldline.sink;

import io.fieldline.sink.internal.SqlNames;
import io.fieldline.sink.internal.migration.V2__Time_series;
import io.fieldline.sink.internal.migration.V4__Daily_aggregates_and_late_readings;
import io.fieldline.sink.internal.postgres.TimescalePolicies;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and upgrades the Fieldline schema (Flyway, versioned migrations in {@code db/migration} plus the
 * Java migration that chooses the time-series layout), then applies the storage policies of the
 * configuration: TimescaleDB chunk intervals, compression and retention policies, or one run of
 * {@link PartitionMaintenance}. Safe to call on every start: migrations already applied are skipped and the
 * policy step is idempotent.
 */
public final class Migrations {

    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

    private Migrations() {}

    /** Migrates with the storage options of {@code config}. */
    public static StorageLayout apply(DataSource dataSource, SinkConfig config) {
        return apply(dataSource, config.storageOptions());
    }

    /**
     * Migrates the schema and applies the storage policies.
     *
     * @return the layout of the time-series tables
     * @throws IllegalStateException when a migration or a policy fails
     */
    public static StorageLayout apply(DataSource dataSource, StorageOptions options) {
        Flyway flyway = Flyway.configure(Migrations.class.getClassLoader())
                .dataSource(dataSource)
                .schemas(options.schema())
                .defaultSchema(options.schema())
                .createSchemas(true)
                .locations("classpath:db/migration")
                .javaMigrations(new V2__Time_series(options), new V4__Daily_aggregates_and_late_readings(options))
                .load();
        MigrateResult result = flyway.migrate();
        if (result.migrationsExecuted > 0) {
            LOG.info(
                    "Applied {} migrations to schema {}, now at version {}",
                    result.migrationsExecuted,
                    options.schema(),
                    result.targetSchemaVersion);
        }
        try {
            StorageLayout layout = layout(dataSource, options.schema());
            if (layout == StorageLayout.TIMESCALEDB) {
                new TimescalePolicies(dataSource, options).apply();
            } else {
                new PartitionMaintenance(dataSource, options, Clock.systemUTC()).run();
            }
            return layout;
        } catch (SQLException e) {
            throw new IllegalStateException("Applying storage policies to schema " + options.schema() + " failed", e);
        }
    }

    /** The layout the migrations chose, read from the database. */
    public static StorageLayout layout(DataSource dataSource, String schema) throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT layout FROM " + new SqlNames(schema).table("fieldline_storage"))) {
            if (!rs.next()) {
                throw new SQLException("fieldline_storage in schema " + schema + " is empty");
            }
            return StorageLayout.valueOf(rs.getString(1));
        }
    }
}
