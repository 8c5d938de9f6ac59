package io.fieldline.dev;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * service manager send) stops it cleanly with exit code 0 and a summary. The test sends SIGTERM once the database
 * holds a closed one-minute window, an anomaly score and an alert: 10 to 70 s after ready, depending on where in
 * the minute the run starts ({@code --duration} is only a bound).
 */
class FieldlineUpIT {

    private static final Pattern TOPIC_COUNT = Pattern.compile("^\\s+(\\S+)\\s+([\\d,]+)$");
    private static final Pattern MEASUREMENT_ROWS = Pattern.compile("(?m)^\\s+rows measurement\\s+([\\d,]+)$");

    @Test
    void shouldRunThePipelineForItsDurationAndPrintTheSummary(@TempDir Path dataDir) throws Exception {
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
                "240",
                "--set",
                "app.data.dir=" + dataDir));
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
        // Every stage has written: a closed one-minute window, an anomaly score and an alert are rows. Then SIGTERM.
        boolean flowed = false;
        long flowedBy = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (ruleAdded && !flowed && process.isAlive() && System.nanoTime() < flowedBy) {
            Thread.sleep(2_000);
            flowed = everyStageStored(endpoints(dataDir));
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
