package io.fieldline.dev;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.embedded.PostgresInstallation;
import io.fieldline.testing.TimescaleServers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code fieldline up --timescale} as a user would, in its own JVM from the packaged jar, and, once 20 closed
 * one-minute windows have settled (30 to 90 s after ready, depending on where in the minute the run starts) while its
 * servers are still up, checks that the pipeline stores into TimescaleDB hypertables and that every closed aggregate
 * stored equals a recomputation in SQL over the stored measurements; then stops it with SIGTERM ({@code --duration} is
 * only a bound).
 * Needs the installed TimescaleDB ({@code ../shared/tools/timescaledb/install.sh}); skipped without it, failed
 * instead when CI requires it ({@code TIMESCALEDB_TESTS_REQUIRED=true}, see {@link TimescaleServers#required()}).
 */
class FieldlineUpTimescaleIT {

    /** Windows that ended at least this long before the check: every reading of theirs is stored by then. */
    private static final String SETTLED = "interval '30 seconds'";

    @Test
    void shouldStoreIntoHypertablesAggregatesEqualToARecomputationOverTheStoredMeasurements(@TempDir Path dataDir)
            throws Exception {
        try {
            PostgresInstallation.withTimescale(Optional.empty());
        } catch (IllegalStateException e) {
            if (TimescaleServers.required()) {
                throw e;
            }
            Assumptions.abort("TimescaleDB is not installed: " + e.getMessage());
        }
        Path jar = Path.of("target", "fieldline-dev.jar");
        String classpath = Files.readString(Path.of("target", "classpath.txt"), StandardCharsets.UTF_8)
                .trim();
        Path output = dataDir.resolve("up.out");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g",
                // As the test JVMs (pom.xml): less JIT and GC CPU on a 2-core CI machine; this run checks flow, not
                // speed.
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                jar + java.io.File.pathSeparator + classpath,
                DevMain.class.getName(),
                "up",
                "--timescale",
                "--duration",
                "300",
                "--set",
                "app.data.dir=" + dataDir));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        Checked checked = null;
        try {
            long readyBy = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (process.isAlive() && !read(output).contains("Fieldline is up: ready in")) {
                assertThat(System.nanoTime()).as("ready within 2 minutes").isLessThan(readyBy);
                Thread.sleep(200);
            }
            // At least one one-minute window of every series closed (plus its grace) and settled.
            long settledBy = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (process.isAlive() && settledWindows(endpoints(dataDir)) < 20 && System.nanoTime() < settledBy) {
                Thread.sleep(3_000);
            }
            if (process.isAlive()) {
                checked = check(endpoints(dataDir));
            }
            process.destroy();
            assertThat(process.waitFor(2, TimeUnit.MINUTES))
                    .as("fieldline up exits by itself; output:%n%s", read(output))
                    .isTrue();
        } finally {
            process.destroyForcibly();
        }
        String printed = read(output);
        assertThat(process.exitValue()).as("exit code; output:%n%s", printed).isZero();
        assertThat(checked).as("checked while running; output:%n%s", printed).isNotNull();
        System.out.printf(
                "up --timescale: %d measurements in %d chunks; windows compared with SQL over measurement: %s%n",
                checked.measurements(), checked.measurementChunks(), checked.comparedPerTable());

        assertThat(checked.hypertables())
                .contains("measurement", "aggregate_1m", "aggregate_1h", "aggregate_1d", "anomaly", "kpi", "alert");
        assertThat(checked.measurementChunks())
                .as("measurement rows live in hypertable chunks")
                .isPositive();
        assertThat(checked.measurements()).isPositive();
        assertThat(checked.windowsCompared())
                .as("closed one-minute windows compared with the stored measurements")
                .isGreaterThanOrEqualTo(20);
        assertThat(checked.mismatches())
                .as("aggregates that differ from the SQL recomputation over measurement")
                .isEmpty();
        // Every panel's SQL of compose/'s dashboards runs on the hypertables; those a two-minute run fills (readings,
        // devices, one-minute climate aggregates) return rows. Climate KPIs (a window closes once the next minute's
        // aggregates pass its grace), days and alerts need a longer run or a rule: DashboardQueriesIT covers them.
        System.out.printf(
                "dashboard queries, rows per panel: %s%n", checked.dashboards().rows());
        assertThat(checked.dashboards().failures())
                .as("dashboard queries that failed")
                .isEmpty();
        for (String panel : List.of(
                "Fieldline / Fleet / Readings stored per second by source",
                "Fieldline / Fleet / Devices by last seen",
                "Fieldline / Room climate / Air temperature",
                "Fieldline / Room climate / Relative humidity",
                "Fieldline / Room climate / CO2",
                "Fieldline / Room climate / Now")) {
            assertThat(checked.dashboards().rows().entrySet().stream()
                            .filter(e -> e.getKey().startsWith(panel))
                            .mapToInt(Map.Entry::getValue)
                            .sum())
                    .as("rows of %s", panel)
                    .isPositive();
        }
    }

    /** What the database held near the end of the run. */
    private record Checked(
            List<String> hypertables,
            long measurementChunks,
            long measurements,
            long windowsCompared,
            Map<String, Long> comparedPerTable,
            List<String> mismatches,
            io.fieldline.dev.compose.DashboardSql.Result dashboards) {}

    private static Checked check(Map<String, String> endpoints) throws SQLException {
        try (Connection c = DriverManager.getConnection(
                        endpoints.get("JDBC_URL"), endpoints.get("JDBC_USER"), endpoints.get("JDBC_PASSWORD"));
                Statement st = c.createStatement()) {
            List<String> hypertables = column(st, "SELECT hypertable_name FROM timescaledb_information.hypertables");
            long chunks = Long.parseLong(column(
                            st,
                            "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'measurement'")
                    .get(0));
            long measurements = Long.parseLong(
                    column(st, "SELECT count(*) FROM measurement").get(0));
            List<String> mismatches = new ArrayList<>();
            long compared = 0;
            Map<String, Long> perTable = new java.util.LinkedHashMap<>();
            for (String table : List.of("aggregate_1m", "aggregate_1h", "aggregate_1d")) {
                // Streams counts every reading but BAD and non-finite ones in the statistics, those in bad_count.
                try (ResultSet rs = st.executeQuery("SELECT a.device_id, a.sensor, a.window_start, a.count, r.n, "
                        + "a.bad_count, r.bad, a.sum, r.s, a.min, r.mn, a.max, r.mx, a.first_time, r.first_time, "
                        + "a.last_time, r.last_time FROM " + table + " a CROSS JOIN LATERAL (SELECT "
                        + "count(*) FILTER (WHERE good) AS n, count(*) FILTER (WHERE NOT good) AS bad, "
                        + "coalesce(sum(value) FILTER (WHERE good), 0) AS s, min(value) FILTER (WHERE good) AS mn, "
                        + "max(value) FILTER (WHERE good) AS mx, min(time) FILTER (WHERE good) AS first_time, "
                        + "max(time) FILTER (WHERE good) AS last_time FROM (SELECT value, time, quality <> 'BAD' "
                        + "AND value NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8) AS good "
                        + "FROM measurement m WHERE m.device_id = a.device_id AND m.sensor = a.sensor "
                        + "AND m.time >= a.window_start AND m.time < a.window_end) x) r "
                        + "WHERE a.window_end < now() - " + SETTLED)) {
                    while (rs.next()) {
                        compared += table.equals("aggregate_1m") ? 1 : 0;
                        perTable.merge(table, 1L, Long::sum);
                        String what = table + " " + rs.getString(1) + "/" + rs.getString(2) + " " + rs.getString(3);
                        long count = rs.getLong(4);
                        boolean same = count == rs.getLong(5)
                                && rs.getLong(6) == rs.getLong(7)
                                && Math.abs(rs.getDouble(8) - rs.getDouble(9))
                                        <= 1e-9 * Math.max(1, Math.abs(rs.getDouble(9)))
                                && (count == 0
                                        || (rs.getDouble(10) == rs.getDouble(11)
                                                && rs.getDouble(12) == rs.getDouble(13)
                                                && rs.getTimestamp(14).equals(rs.getTimestamp(15))
                                                && rs.getTimestamp(16).equals(rs.getTimestamp(17))));
                        if (!same) {
                            mismatches.add(what + ": stored count " + count + " sum " + rs.getDouble(8) + " min "
                                    + rs.getDouble(10) + " max " + rs.getDouble(12) + " bad " + rs.getLong(6)
                                    + "; recomputed " + rs.getLong(5) + " / " + rs.getDouble(9) + " / "
                                    + rs.getDouble(11) + " / " + rs.getDouble(13) + " / " + rs.getLong(7));
                        }
                    }
                }
            }
            // compose/'s Grafana dashboards on the same data, with Grafana's TimescaleDB macros (time_bucket).
            io.fieldline.dev.compose.DashboardSql.Result dashboards = io.fieldline.dev.compose.DashboardSql.run(
                    c,
                    java.time.Instant.now().minusSeconds(6 * 3600),
                    java.time.Instant.now().plusSeconds(60),
                    true);
            return new Checked(hypertables, chunks, measurements, compared, perTable, mismatches, dashboards);
        }
    }

    /** One-minute windows stored that ended {@link #SETTLED} ago, or 0 when the database does not answer yet. */
    private static long settledWindows(Map<String, String> endpoints) throws IOException {
        try (Connection c = DriverManager.getConnection(
                        endpoints.get("JDBC_URL"), endpoints.get("JDBC_USER"), endpoints.get("JDBC_PASSWORD"));
                Statement st = c.createStatement()) {
            return Long.parseLong(column(st, "SELECT count(*) FROM aggregate_1m WHERE window_end < now() - " + SETTLED)
                    .get(0));
        } catch (SQLException e) {
            return 0;
        }
    }

    private static List<String> column(Statement st, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    private static Map<String, String> endpoints(Path dataDir) throws IOException {
        return Files.readAllLines(dataDir.resolve("endpoints.env")).stream()
                .filter(line -> line.contains("="))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1)));
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
