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
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code fieldline up} as a user would, in its own JVM from the packaged jar, and checks that it starts,
 * that data flows through every stage (readings, enriched readings, closed one-minute windows, anomaly scores,
 * rows in PostgreSQL, and alerts from a rule added in SQL while it runs), and that SIGTERM (what Ctrl-C and a
 * service manager send) stops it cleanly with exit code 0 and a summary.
 *
 * <p>Where TimescaleDB is installed ({@code ../shared/tools/timescaledb/install.sh}; CI installs it and requires it,
 * {@code TIMESCALEDB_TESTS_REQUIRED=true}, see {@link TimescaleServers#required()}) the run is {@code up --timescale},
 * and, once 20 closed one-minute windows have settled while its servers are still up, it also checks that the
 * pipeline stores into TimescaleDB hypertables, that every closed aggregate stored equals a recomputation in SQL over
 * the stored measurements, and that compose/'s dashboard queries run on them. (These were two runs of {@code up},
 * one per layout, side by side in CI; one run checks both now, to keep the suite within its budget. The embedded
 * PostgreSQL that {@code up} starts without {@code --timescale} is what {@code PipelineBenchIT}'s
 * {@code bench pipeline} runs on, and what this test runs on where TimescaleDB is not installed.)
 *
 * <p>The test sends SIGTERM once the database holds what it checks: 30 to 90 s after ready, depending on where in
 * the minute the run starts ({@code --duration} is only a bound).
 */
class FieldlineUpIT {

    /** Windows that ended at least this long before the check: every reading of theirs is stored by then. */
    private static final String SETTLED = "interval '30 seconds'";

    private static final Pattern TOPIC_COUNT = Pattern.compile("^\\s+(\\S+)\\s+([\\d,]+)$");
    private static final Pattern MEASUREMENT_ROWS = Pattern.compile("(?m)^\\s+rows measurement\\s+([\\d,]+)$");

    @Test
    void shouldRunThePipelineStoreWhatEveryStageComputesAndStopWithASummary(@TempDir Path dataDir) throws Exception {
        boolean timescale = timescaleInstalled();
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
                "--duration",
                "300",
                "--set",
                "app.data.dir=" + dataDir));
        if (timescale) {
            command.add(command.indexOf("up") + 1, "--timescale");
        }
        // Secrets the run is configured with, one from a *_FILE variable (a mounted secret), one inline: none may
        // appear in anything it prints or logs. Both are harmless here: the embedded registry ignores credentials
        // and a PLAINTEXT Kafka client never opens a key store.
        String registrySecret = "registry-secret-" + java.util.UUID.randomUUID();
        String kafkaSecret = "kafka-secret-" + java.util.UUID.randomUUID();
        Path secretFile = dataDir.resolve("registry-user-info");
        Files.writeString(secretFile, "fieldline:" + registrySecret + "\n", StandardCharsets.UTF_8);
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().put("FIELDLINE_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_FILE", secretFile.toString());
        builder.environment().put("FIELDLINE_KAFKA_SSL_KEY_PASSWORD", kafkaSecret);
        Process process = builder.start();
        // A healthy simulated fleet crosses no demo rule within 90 s (its faults come every two hours
        // per device), so the test edits the rules the way an operator does: in SQL, while the
        // pipeline runs. CDC carries the rule to the alert application, which must raise it live.
        boolean ruleAdded = false;
        String health = null;
        int anonymousRefusal = -1;
        int tlsAnonymousRefusal = -1;
        String apiDevices = null;
        String apiIngest = null;
        long readyBy = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!ruleAdded && process.isAlive() && System.nanoTime() < readyBy) {
            if (read(output).contains("Fieldline is up: ready in")) {
                addRuleTheFleetCrosses(endpoints(dataDir));
                ruleAdded = true;
                health = get(endpoints(dataDir).get("OPS_URL") + "/health");
                // Secure by default: an anonymous client is refused, on the TCP listener and, after a TLS handshake
                // that trusts only the CA of MQTT_CA_FILE, on the TLS listener.
                Map<String, String> running = endpoints(dataDir);
                anonymousRefusal = mqttRefusal(running.get("MQTT_URL"), null);
                tlsAnonymousRefusal =
                        mqttRefusal(running.get("MQTT_TLS_URL"), trusting(Path.of(running.get("MQTT_CA_FILE"))));
                // The HTTP API, with the tokens up wrote for it.
                Map<String, String> apiTokens = envFile(Path.of(running.get("API_TOKENS_FILE")));
                apiDevices = api(running.get("API_URL") + "/api/v1/devices", apiTokens.get("API_READ_TOKEN"), null);
                apiIngest = api(
                        running.get("API_URL") + "/api/v1/measurements",
                        apiTokens.get("API_INGEST_TOKEN"),
                        "{\"deviceId\": \"up-it-http\", \"sensor\": \"co2\", \"value\": 500}");
            } else {
                Thread.sleep(200);
            }
        }
        // Every stage has written: a closed one-minute window, an anomaly score and an alert are rows; on TimescaleDB,
        // at least one one-minute window of every series closed (plus its grace) and settled. Then SIGTERM.
        boolean flowed = false;
        boolean settled = !timescale;
        Checked checked = null;
        long flowedBy = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (ruleAdded && !(flowed && settled) && process.isAlive() && System.nanoTime() < flowedBy) {
            Thread.sleep(2_000);
            flowed = flowed || everyStageStored(endpoints(dataDir));
            settled = settled || settledWindows(endpoints(dataDir)) >= 20;
        }
        if (timescale && process.isAlive()) {
            checked = check(endpoints(dataDir));
        }
        process.destroy();
        boolean exited = process.waitFor(2, TimeUnit.MINUTES);
        String printed = read(output);
        if (!exited) {
            process.destroyForcibly();
        }
        assertThat(exited)
                .as("fieldline up exits by itself; output:%n%s", printed)
                .isTrue();
        assertThat(process.exitValue()).as("exit code; output:%n%s", printed).isZero();
        assertThat(printed)
                .contains("Fieldline is up: ready in")
                .contains("Summary")
                .contains("Records per topic:");

        assertThat(ruleAdded)
                .as("an alert rule was added while the pipeline ran; output:%n%s", printed)
                .isTrue();
        assertThat(flowed)
                .as("a closed window, an anomaly score and an alert stored within 3 minutes; output:%n%s", printed)
                .isTrue();
        assertThat(printed)
                .as("standard output and every log line of fieldline up (%s)", output)
                .doesNotContain(registrySecret)
                .doesNotContain(kafkaSecret);
        Map<String, String> endpoints = endpoints(dataDir);
        assertThat(endpoints)
                .containsKeys(
                        "KAFKA_BOOTSTRAP_SERVERS",
                        "SCHEMA_REGISTRY_URL",
                        "JDBC_URL",
                        "JDBC_USER",
                        "JDBC_PASSWORD",
                        "REDIS_URL",
                        "MQTT_URL",
                        "MQTT_TLS_URL",
                        "MQTT_CA_FILE",
                        "MQTT_USERNAME",
                        "MQTT_PASSWORD",
                        "OPS_URL",
                        "API_URL",
                        "API_TOKENS_FILE");
        Path apiTokensFile = Path.of(endpoints.get("API_TOKENS_FILE"));
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(apiTokensFile)))
                .as("the API tokens file")
                .isEqualTo("rw-------");
        for (String token : envFile(apiTokensFile).values()) {
            assertThat(printed).as("an API token, in no output").doesNotContain(token);
        }
        assertThat(apiDevices)
                .as("GET /api/v1/devices of the running up")
                .startsWith("200 ")
                .contains("\"deviceId\"");
        assertThat(apiIngest).as("POST /api/v1/measurements of the running up").startsWith("202 ");
        assertThat(printed)
                .as("the bridge's generated MQTT password, in no output")
                .doesNotContain(endpoints.get("MQTT_PASSWORD"));
        assertThat(anonymousRefusal).as("CONNACK to an anonymous client").isEqualTo(135);
        assertThat(tlsAnonymousRefusal)
                .as("CONNACK to an anonymous client over TLS (a failed handshake is no CONNACK)")
                .isEqualTo(135);
        assertThat(printed)
                .as("the simulated devices logged in as themselves")
                .contains("device MQTT credentials issued")
                .containsPattern("connects refused\\s+[1-9]");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(dataDir.resolve("endpoints.env"))))
                .as("the endpoints file holds the database password")
                .isEqualTo("rw-------");
        assertThat(health)
                .as("GET /health of the running fieldline up")
                .contains("\"status\" : \"UP\"")
                .contains("\"mqtt-bridge\"")
                .contains("\"sink-postgres\"")
                .contains("\"api\"")
                .contains("\"postgresql\"");
        assertThat(endpoints.get("KAFKA_BOOTSTRAP_SERVERS")).startsWith("127.0.0.1:");

        // TopicCounts lists every topic, with 0 for an empty one: only positive counts prove a flow.
        Map<String, Long> counts = topicCounts(printed);
        for (String topic : List.of(
                "telemetry.readings",
                "telemetry.readings.enriched",
                "telemetry.aggregates.1m",
                "telemetry.anomalies",
                "telemetry.alerts",
                "metadata.alert-rules")) {
            assertThat(counts.getOrDefault(topic, 0L))
                    .as("records on %s; output:%n%s", topic, printed)
                    .isPositive();
        }
        Matcher rows = MEASUREMENT_ROWS.matcher(printed);
        assertThat(rows.find())
                .as("the PostgreSQL sink's row count in the summary; output:%n%s", printed)
                .isTrue();
        assertThat(Long.parseLong(rows.group(1).replace(",", "")))
                .as("rows in measurement")
                .isPositive();
        if (timescale) {
            assertStoredInHypertables(checked, printed);
        }
    }

    /** The installed TimescaleDB, or false to run on the embedded PostgreSQL; a failure where CI requires it. */
    private static boolean timescaleInstalled() {
        try {
            PostgresInstallation.withTimescale(Optional.empty());
            return true;
        } catch (IllegalStateException e) {
            if (TimescaleServers.required()) {
                throw e;
            }
            System.out.printf("TimescaleDB is not installed, up runs on the embedded PostgreSQL: %s%n", e.getMessage());
            return false;
        }
    }

    /** On TimescaleDB: hypertables, aggregates equal to a SQL recomputation, compose/'s dashboards. */
    private static void assertStoredInHypertables(Checked checked, String printed) {
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

    /** The CONNACK reason code an anonymous MQTT 5 client gets (0 when it is let in). */
    private static int mqttRefusal(String url, javax.net.ssl.SSLSocketFactory tls) throws Exception {
        org.eclipse.paho.mqttv5.client.MqttClient client = new org.eclipse.paho.mqttv5.client.MqttClient(
                url, "fieldline-up-it-anonymous", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        org.eclipse.paho.mqttv5.client.MqttConnectionOptions options =
                new org.eclipse.paho.mqttv5.client.MqttConnectionOptions();
        if (tls != null) {
            options.setSocketFactory(tls);
        }
        try {
            client.connect(options);
            client.disconnect();
            return 0;
        } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
            return e.getReasonCode();
        } finally {
            client.close();
        }
    }

    /** TLS that trusts only the CA certificate in {@code caPem}. */
    private static javax.net.ssl.SSLSocketFactory trusting(Path caPem) throws Exception {
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (java.io.InputStream in = Files.newInputStream(caPem)) {
            trust.setCertificateEntry(
                    "ca",
                    java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        javax.net.ssl.TrustManagerFactory factory =
                javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context.getSocketFactory();
    }

    private static Map<String, String> endpoints(Path dataDir) throws IOException {
        return Files.readAllLines(dataDir.resolve("endpoints.env")).stream()
                .filter(line -> line.contains("="))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1)));
    }

    /** Whether PostgreSQL holds a closed one-minute window, an anomaly score and an alert. */
    private static boolean everyStageStored(Map<String, String> endpoints) {
        try (Connection connection = DriverManager.getConnection(
                        endpoints.get("JDBC_URL"), endpoints.get("JDBC_USER"), endpoints.get("JDBC_PASSWORD"));
                PreparedStatement query = connection.prepareStatement("SELECT EXISTS (SELECT 1 FROM aggregate_1m) "
                        + "AND EXISTS (SELECT 1 FROM anomaly) AND EXISTS (SELECT 1 FROM alert)");
                java.sql.ResultSet rs = query.executeQuery()) {
            return rs.next() && rs.getBoolean(1);
        } catch (SQLException e) {
            return false;
        }
    }

    /** Every grow room is warmer than 5 °C: the rule raises an INFO alert for each within seconds. */
    private static void addRuleTheFleetCrosses(Map<String, String> endpoints) throws SQLException {
        try (Connection connection = DriverManager.getConnection(
                        endpoints.get("JDBC_URL"), endpoints.get("JDBC_USER"), endpoints.get("JDBC_PASSWORD"));
                PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO alert_rule (rule_id, device_selector, sensor_selector, room_selector, direction, "
                                + "threshold, clear_threshold, for_ms, severity, escalation_threshold) "
                                + "VALUES ('it-grow-room-warm', 'gr-*', 'air_temperature', '*', 'ABOVE', 5, 4, 0, 'INFO', 100)")) {
            insert.executeUpdate();
        }
    }

    private static Map<String, Long> topicCounts(String printed) {
        Map<String, Long> counts = new java.util.TreeMap<>();
        boolean inTable = false;
        for (String line : printed.split("\n")) {
            if (line.contains("Records per topic:")) {
                inTable = true;
                continue;
            }
            if (inTable) {
                Matcher m = TOPIC_COUNT.matcher(line);
                if (!m.matches()) {
                    break;
                }
                counts.put(m.group(1), Long.parseLong(m.group(2).replace(",", "")));
            }
        }
        return counts;
    }

    private static String get(String url) throws IOException, InterruptedException {
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.body();
    }

    private static Map<String, String> envFile(Path file) throws IOException {
        return Files.readAllLines(file).stream()
                .filter(line -> !line.startsWith("#") && line.contains("="))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1)));
    }

    /** GET (or POST of a JSON body) with a bearer token: the status and the body. */
    private static String api(String url, String token, String body) throws IOException, InterruptedException {
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                .header("Authorization", "Bearer " + token);
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));
        }
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient()
                .send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.body();
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
