package io.fieldline.dev;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code fieldline up --duration 30} as a user would, in its own JVM from the packaged jar,
 * and checks that it starts, that data flows through every stage, and that it stops cleanly
 * with a summary.
 */
class FieldlineUpIT {

    private static final Pattern TOPIC_COUNT = Pattern.compile("^\\s+(\\S+)\\s+([\\d,]+)$");

    @Test
    void shouldRunThePipelineForItsDurationAndPrintTheSummary(@TempDir Path dataDir) throws Exception {
        Path jar = Path.of("target", "fieldline-dev.jar");
        String classpath = Files.readString(Path.of("target", "classpath.txt"), StandardCharsets.UTF_8).trim();
        Path output = dataDir.resolve("up.out");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g",
                "-cp", jar + java.io.File.pathSeparator + classpath,
                "io.fieldline.dev.DevMain", "up", "--duration", "30",
                "--set", "app.data.dir=" + dataDir));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        boolean exited = process.waitFor(4, TimeUnit.MINUTES);
        String printed = read(output);
        if (!exited) {
            process.destroyForcibly();
        }
        assertThat(exited).as("fieldline up exits by itself; output:%n%s", printed).isTrue();
        assertThat(process.exitValue()).as("exit code; output:%n%s", printed).isZero();
        assertThat(printed).contains("Fieldline is up: ready in").contains("Summary").contains("Records per topic:");

        Map<String, String> endpoints = Files.readAllLines(dataDir.resolve("endpoints.env")).stream()
                .filter(line -> line.contains("="))
                .collect(java.util.stream.Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1)));
        assertThat(endpoints).containsKeys("KAFKA_BOOTSTRAP_SERVERS", "SCHEMA_REGISTRY_URL", "JDBC_URL",
                "JDBC_USER", "JDBC_PASSWORD", "REDIS_URL", "MQTT_URL");
        assertThat(endpoints.get("KAFKA_BOOTSTRAP_SERVERS")).startsWith("127.0.0.1:");

        Map<String, Long> counts = topicCounts(printed);
        assertThat(counts).containsKeys("telemetry.readings", "telemetry.alerts", "metadata.alert-rules");
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

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
