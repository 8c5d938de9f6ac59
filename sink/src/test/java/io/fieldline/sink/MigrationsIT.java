package io.fieldline.sink;

import static io.fieldline.testing.Sql.execute;
import static io.fieldline.testing.Sql.names;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.testing.DatabaseLayout;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The migrations on both layouts: plain PostgreSQL partitions and TimescaleDB hypertables. */
@ParameterizedClass
@EnumSource(DatabaseLayout.class)
@ExtendWith(EmbeddedStackExtension.class)
class MigrationsIT {

    private static EmbeddedStack stack;

    @Parameter
    DatabaseLayout layout;

    @BeforeAll
    static void shareStack(EmbeddedStack shared) {
        stack = shared;
    }

    private SinkConfig config(Map<String, Object> extra) {
        Map<String, Object> props = new java.util.HashMap<>(layout.sinkSettings());
        props.putAll(extra);
        return new SinkConfig(props);
    }

    private DataSource database() {
        return layout.database(stack).dataSource();
    }

    private StorageLayout expected() {
        return layout == DatabaseLayout.PLAIN ? StorageLayout.PARTITIONED : StorageLayout.TIMESCALEDB;
    }

    @Test
    void shouldCreateEveryTableAndViewOnAnEmptyDatabase() throws SQLException {
        DataSource ds = database();

        StorageLayout chosen = Migrations.apply(ds, config(Map.of()));

        assertThat(chosen).isEqualTo(expected());
        assertThat(names(
                        ds,
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                                + "AND table_type = 'BASE TABLE'"))
                .contains(
                        "facility",
                        "zone",
                        "room",
                        "rack",
                        "device",
                        "sensor",
                        "alert_rule",
                        "device_credential",
                        "api_token",
                        "api_idempotency",
                        "measurement",
                        "aggregate_1m",
                        "aggregate_1h",
                        "aggregate_1d",
                        "late_reading",
                        "alert",
                        "anomaly",
                        "kpi",
                        "series",
                        "alert_current");
        assertThat(names(ds, "SELECT table_name FROM information_schema.views WHERE table_schema = 'public'"))
                .contains("latest_value", "room_hourly_stats", "active_alert", "device_status", "room_daily");
        if (layout == DatabaseLayout.PLAIN) {
            assertThat(names(ds, "SELECT relname FROM pg_class WHERE relname = 'measurement_default'"))
                    .hasSize(1);
            // current partition plus the three ahead, per table
            assertThat(names(
                            ds,
                            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                    + "WHERE i.inhparent = 'measurement'::regclass "
                                    + "AND c.relname <> 'measurement_default'"))
                    .hasSize(4);
            assertThat(names(ds, "SELECT indexname FROM pg_indexes WHERE tablename = 'measurement'"))
                    .contains("measurement_time_brin", "measurement_pkey");
        } else {
            assertThat(names(ds, "SELECT hypertable_name FROM timescaledb_information.hypertables"))
                    .containsExactlyInAnyOrder(
                            "measurement",
                            "aggregate_1m",
                            "aggregate_1h",
                            "aggregate_1d",
                            "alert",
                            "anomaly",
                            "kpi",
                            "late_reading");
            // chunks come with data; no default partition, no BRIN: the primary key is the only index
            assertThat(names(ds, "SELECT count(*) FROM pg_class WHERE relname = 'measurement_default'"))
                    .containsExactly("0");
            assertThat(names(ds, "SELECT indexname FROM pg_indexes WHERE tablename = 'measurement'"))
                    .containsExactly("measurement_pkey");
        }
    }

    @Test
    void shouldBeIdempotentWhenAppliedAgain() throws SQLException {
        DataSource ds = database();
        Migrations.apply(ds, config(Map.of()));
        execute(ds, "INSERT INTO facility (facility_id, name) VALUES ('farm-1', 'North farm')");
        List<String> partitionsBefore = names(ds, "SELECT relname FROM pg_class WHERE relname LIKE 'measurement_p%'");

        StorageLayout again = Migrations.apply(ds, config(Map.of()));

        assertThat(again).isEqualTo(expected());
        assertThat(names(ds, "SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank"))
                .containsExactly("1", "2", "3", "4", "5", "6", "7");
        assertThat(names(ds, "SELECT relname FROM pg_class WHERE relname LIKE 'measurement_p%'"))
                .containsExactlyInAnyOrderElementsOf(partitionsBefore);
        assertThat(names(ds, "SELECT name FROM facility")).containsExactly("North farm");
    }

    @Test
    void shouldCreateTablesInTheConfiguredSchema() throws SQLException {
        DataSource ds = database();

        Migrations.apply(ds, config(Map.of(SinkConfig.POSTGRES_SCHEMA, "fieldline")));

        assertThat(names(ds, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'fieldline'"))
                .contains("measurement", "device", "latest_value");
        assertThat(names(ds, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"))
                .doesNotContain("measurement", "device");
        assertThat(Migrations.layout(ds, "fieldline")).isEqualTo(expected());
        if (layout == DatabaseLayout.TIMESCALEDB) {
            assertThat(names(
                            ds,
                            "SELECT hypertable_schema FROM timescaledb_information.hypertables "
                                    + "WHERE hypertable_name = 'measurement'"))
                    .containsExactly("fieldline");
        }
    }

    @Test
    void shouldEnforceForeignKeysAndNaturalKeysOnMetadata() throws SQLException {
        DataSource ds = database();
        Migrations.apply(ds, config(Map.of()));
        execute(ds, "INSERT INTO facility (facility_id) VALUES ('farm-1'), ('farm-2')");
        execute(ds, "INSERT INTO room (room_id, facility_id) VALUES ('room-a', 'farm-1')");
        execute(ds, "INSERT INTO device (device_id, site, room, serial) VALUES ('dev-1', 'farm-1', 'room-a', 'SN1')");
        execute(
                ds,
                "INSERT INTO sensor (device_id, sensor, unit, valid_min, valid_max) "
                        + "VALUES ('dev-1', 'air_temperature', 'degC', -40, 85)");
        execute(
                ds,
                "INSERT INTO alert_rule (rule_id, direction, threshold, clear_threshold, escalation_threshold) "
                        + "VALUES ('too-hot', 'ABOVE', 30, 28, 35)");

        assertThatThrownBy(() -> execute(ds, "INSERT INTO device (device_id, room) VALUES ('dev-2', 'no-such-room')"))
                .hasMessageContaining("foreign key");
        assertThatThrownBy(() ->
                        execute(ds, "INSERT INTO device (device_id, site, room) VALUES ('dev-3', 'farm-2', 'room-a')"))
                .as("the room belongs to another facility")
                .hasMessageContaining("foreign key");
        assertThatThrownBy(() -> execute(ds, "INSERT INTO device (device_id, serial) VALUES ('dev-4', 'SN1')"))
                .hasMessageContaining("duplicate key");
        assertThatThrownBy(
                        () -> execute(ds, "INSERT INTO sensor (device_id, sensor) VALUES ('dev-1', 'air_temperature')"))
                .hasMessageContaining("duplicate key");
        assertThatThrownBy(() -> execute(
                        ds,
                        "INSERT INTO sensor (device_id, sensor, valid_min, valid_max) "
                                + "VALUES ('dev-1', 'rh', 100, 0)"))
                .hasMessageContaining("check constraint");
        assertThatThrownBy(() -> execute(
                        ds,
                        "INSERT INTO alert_rule (rule_id, direction, threshold, clear_threshold) "
                                + "VALUES ('wrong-side', 'ABOVE', 30, 32)"))
                .hasMessageContaining("check constraint");

        execute(ds, "DELETE FROM device WHERE device_id = 'dev-1'");
        assertThat(names(ds, "SELECT sensor FROM sensor"))
                .as("sensors go with their device")
                .isEmpty();
    }
}
