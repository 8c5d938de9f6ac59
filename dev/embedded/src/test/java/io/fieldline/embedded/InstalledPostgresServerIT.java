package io.fieldline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TimescaleDB server from the installed PostgreSQL. Skipped where TimescaleDB is not installed, unless
 * {@code TIMESCALEDB_TESTS_REQUIRED=true} (set by .ci/run after installing it), which makes that a failure.
 */
class InstalledPostgresServerIT {

    @BeforeAll
    static void requireTimescale() {
        try {
            PostgresInstallation.withTimescale(Optional.empty());
        } catch (IllegalStateException e) {
            if ("true".equalsIgnoreCase(System.getProperty("fieldline.timescaledb.required"))) {
                throw e;
            }
            Assumptions.abort("TimescaleDB is not installed: " + e.getMessage());
        }
    }

    @Test
    void shouldRunTimescaleWithLogicalDecodingAndKeepPortAndDataAcrossStopAndStart() throws Exception {
        InstalledPostgresServer server = InstalledPostgresServer.timescale();
        try {
            server.start();
            String url = server.jdbcUrl();
            try (Connection c = server.dataSource().getConnection();
                    Statement st = c.createStatement()) {
                assertThat(single(st, "SHOW shared_preload_libraries")).isEqualTo("timescaledb");
                assertThat(single(st, "SHOW wal_level")).isEqualTo("logical");
                assertThat(single(st, "SELECT current_database()")).isEqualTo(PostgresServer.DATABASE);
                st.execute("CREATE EXTENSION timescaledb");
                st.execute("CREATE TABLE reading (time timestamptz NOT NULL, value float8)");
                st.execute("SELECT create_hypertable('reading', 'time')");
                st.execute("INSERT INTO reading VALUES ('2030-01-01T00:00:00Z', 1.5)");
                // What Debezium needs: a logical replication slot with the pgoutput plugin.
                st.execute("SELECT pg_create_logical_replication_slot('fieldline_test', 'pgoutput')");
                assertThat(single(st, "SELECT count(*) FROM timescaledb_information.hypertables"))
                        .isEqualTo("1");
            }

            server.stop();
            assertThat(server.isRunning()).isFalse();
            assertThatThrownBy(() -> server.dataSource().getConnection().close())
                    .isInstanceOf(SQLException.class);

            server.start();
            assertThat(server.jdbcUrl()).isEqualTo(url);
            try (Connection c = server.dataSource().getConnection();
                    Statement st = c.createStatement()) {
                assertThat(single(st, "SELECT value FROM reading")).isEqualTo("1.5");
                assertThat(single(st, "SELECT slot_name FROM pg_replication_slots"))
                        .isEqualTo("fieldline_test");
                st.execute("SELECT pg_drop_replication_slot('fieldline_test')");
            }
        } finally {
            server.close();
        }
        assertThat(Files.exists(server.dataDir())).isFalse();
    }

    @Test
    void shouldStartTheTimescaleServerOfTheStackFromConfiguration() {
        StackOptions options = StackOptions.from(new EmbeddedConfig(Map.of(EmbeddedConfig.POSTGRES_TIMESCALE, "true")));

        try (LocalPostgres server = options.postgresServer().server(DataDirectory.createTemp("timescaledb"))) {
            assertThat(server).isInstanceOf(InstalledPostgresServer.class);
            assertThat(((InstalledPostgresServer) server).preloadsTimescale()).isTrue();
        }
    }

    @Test
    void shouldSayHowToInstallTimescaleWhenTheInstallationLacksIt(@TempDir Path dir) throws Exception {
        // A bin directory with the real programs but no library directory beside it: no timescaledb.so.
        Path bin = Files.createDirectories(dir.resolve("bin"));
        PostgresInstallation real = PostgresInstallation.withTimescale(Optional.empty());
        for (String program : List.of("initdb", "pg_ctl", "postgres")) {
            Files.createSymbolicLink(bin.resolve(program), real.program(program));
        }

        assertThatThrownBy(() -> PostgresInstallation.withTimescale(Optional.of(bin)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has no TimescaleDB")
                .hasMessageContaining("shared/tools/timescaledb/install.sh")
                .hasMessageContaining("postgresql-15");
        assertThatThrownBy(() -> PostgresInstallation.withTimescale(Optional.of(dir.resolve("nowhere"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("No PostgreSQL in")
                .hasMessageContaining("install.sh");
    }

    @Test
    void shouldRefuseTimescaleBesideAnExternalDatabaseNamingTheKey() {
        Map<String, String> settings = Map.of(
                EmbeddedConfig.POSTGRES_TIMESCALE, "true", EmbeddedConfig.JDBC_URL, "jdbc:postgresql://db:5432/x");

        assertThatThrownBy(() -> new EmbeddedConfig(settings))
                .isInstanceOf(org.apache.kafka.common.config.ConfigException.class)
                .hasMessageContaining(EmbeddedConfig.POSTGRES_TIMESCALE);
    }

    private static String single(Statement st, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        assertThat(values).hasSize(1);
        return values.get(0);
    }
}
