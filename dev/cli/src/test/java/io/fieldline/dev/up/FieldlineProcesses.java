package io.fieldline.dev.up;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fieldline.app.AppConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fieldline components as separate OS processes for the integration tests: each one {@code bin/fieldline run
 * COMPONENT} of the unpacked distribution ({@code app/target/fieldline-*.tar.gz}), against the servers of an
 * endpoints file, with its own ops port, data directory and log file; and what the tests ask of them (ready,
 * health, metrics, SIGTERM, SIGKILL).
 */
final class FieldlineProcesses implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FieldlineProcesses.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Path work;
    private final Path home;
    private final Path endpoints;
    private final Map<String, Service> services = new LinkedHashMap<>();
    /** Processes the test killed on purpose: their exit is not a failure. */
    private final java.util.Set<String> killed = new java.util.HashSet<>();

    /** One process: its name (the component, or the component and an instance number), process and port. */
    record Service(String name, String component, List<String> settings, Process process, int port, Path log) {
        String url(String path) {
            return "http://127.0.0.1:" + port + path;
        }
    }

    /** What {@code GET /health} answered: the HTTP status (-1 when nothing answered) and the document. */
    record Health(int status, JsonNode body) {
        String overall() {
            return body.path("status").asText();
        }

        String component(String name) {
            return body.path("components").path(name).path("status").asText();
        }
    }

    /**
     * @param work      a directory for the distribution, the processes' data and logs
     * @param endpoints the servers, as {@code fieldline up} writes them
     */
    FieldlineProcesses(Path work, Map<String, String> endpoints) throws IOException, InterruptedException {
        this.work = work;
        this.home = unpackDistribution(work);
        this.endpoints = work.resolve("endpoints.env");
        Files.createFile(
                this.endpoints, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        StringBuilder text = new StringBuilder();
        endpoints.forEach(
                (key, value) -> text.append(key).append('=').append(value).append('\n'));
        Files.writeString(this.endpoints, text.toString(), StandardCharsets.UTF_8);
    }

    private static Path unpackDistribution(Path dir) throws IOException, InterruptedException {
        Path target = Path.of("..", "..", "app", "target").toAbsolutePath().normalize();
        Path tarball;
        try (Stream<Path> files = Files.list(target)) {
            tarball = files.filter(p -> p.getFileName().toString().matches("fieldline-.*\\.tar\\.gz"))
                    .findFirst()
                    .orElseThrow(
                            () -> new IllegalStateException("no distribution in " + target + ": mvn package -pl app"));
        }
        Path into = dir.resolve("dist");
        Files.createDirectories(into);
        Process tar = new ProcessBuilder("tar", "xzf", tarball.toString(), "-C", into.toString())
                .inheritIO()
                .start();
        assertThat(tar.waitFor()).as("tar xzf %s", tarball).isZero();
        try (Stream<Path> dirs = Files.list(into)) {
            return dirs.findFirst().orElseThrow();
        }
    }

    /**
     * Starts {@code fieldline run component} as the process {@code name}; the same name again starts it anew with the
     * same settings and data directory (a restart).
     *
     * @param settings {@code key=value} settings of this process
     */
    Service launch(String name, String component, String... settings) throws IOException {
        int port = freePort();
        Path log = work.resolve(name + "-" + System.nanoTime() + ".log");
        List<String> command = new ArrayList<>(List.of(
                home.resolve("bin/fieldline").toString(),
                "run",
                component,
                "--endpoints",
                endpoints.toString(),
                "--set",
                "http.port=" + port,
                "--set",
                "http.bind.address=127.0.0.1",
                "--set",
                AppConfig.DATA_DIR + "=" + work.resolve("data-" + name),
                "--set",
                "health.check.interval.ms=1000",
                "--set",
                "lag.check.interval.ms=2000",
                // The simulated rooms report in step: no long wait for stragglers.
                "--set",
                "streams.kpi.grace.ms=15000"));
        for (String setting : settings) {
            command.add("--set");
            command.add(setting);
        }
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(variable -> variable.startsWith("FIELDLINE_"));
        builder.environment().put("FIELDLINE_JAVA_OPTS", "-Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
        Service service = new Service(name, component, List.of(settings), builder.start(), port, log);
        services.put(name, service);
        killed.remove(name);
        LOG.info("Launched {} ({}) on ops port {} (log {})", name, component, port, log);
        return service;
    }

    /** Starts the process {@code name} again, as it was launched. */
    Service relaunch(String name) throws IOException {
        Service old = services.get(name);
        return launch(name, old.component(), old.settings().toArray(String[]::new));
    }

    Service service(String name) {
        return services.get(name);
    }

    /** Waits until the process answers 200 on {@code /health/ready} and {@code /health/live}. */
    void awaitReady(String name, Duration timeout) throws Exception {
        Service service = services.get(name);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!service.process().isAlive()) {
                throw new AssertionError(
                        name + " exited with " + service.process().exitValue() + "; log:\n" + tail(name));
            }
            try {
                if (get(service.url("/health/ready")).statusCode() == 200) {
                    assertThat(get(service.url("/health/live")).statusCode())
                            .as("/health/live of %s", name)
                            .isEqualTo(200);
                    return;
                }
            } catch (IOException e) {
                // Not listening yet.
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " not ready after " + timeout + "; log:\n" + tail(name));
            }
            Thread.sleep(500);
        }
    }

    Health health(String name) {
        try {
            HttpResponse<String> response = get(services.get(name).url("/health"));
            return new Health(response.statusCode(), JSON.readTree(response.body()));
        } catch (IOException e) {
            return new Health(-1, JSON.createObjectNode());
        }
    }

    /** Each series name of the process's {@code /metrics}, its samples summed. */
    Map<String, Double> metrics(String name) throws IOException {
        String text = get(services.get(name).url("/metrics")).body();
        Map<String, Double> series = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            String family = line.substring(0, brace > 0 ? brace : line.indexOf(' '));
            double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            if (!Double.isNaN(value)) {
                series.merge(family, value, Double::sum);
            }
        }
        return series;
    }

    /** SIGKILL: the process dies without running any of its code. */
    void kill(String name) throws InterruptedException {
        Process process = services.get(name).process();
        killed.add(name);
        process.destroyForcibly();
        assertThat(process.waitFor(10, TimeUnit.SECONDS))
                .as("%s died on SIGKILL", name)
                .isTrue();
        LOG.info("Killed {} (SIGKILL)", name);
    }

    /**
     * SIGTERM, and the wait for the process to end.
     *
     * @return its exit code
     */
    int terminate(String name, Duration timeout) throws InterruptedException {
        Process process = services.get(name).process();
        process.destroy();
        assertThat(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
                .as("%s exited after SIGTERM; log:%n%s", name, tail(name))
                .isTrue();
        return process.exitValue();
    }

    String tail(String name) {
        try {
            List<String> lines = Files.readAllLines(services.get(name).log(), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /**
     * Waits for a condition, failing at once when a process died with an error, and with every process's health
     * when time runs out.
     */
    void waitFor(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            for (Service service : services.values()) {
                if (!killed.contains(service.name())
                        && !service.process().isAlive()
                        && service.process().exitValue() != 0) {
                    throw new AssertionError(
                            service.name() + " died while waiting for " + what + "; log:\n" + tail(service.name()));
                }
            }
            if (System.nanoTime() > deadline) {
                List<String> states = new ArrayList<>();
                services.keySet()
                        .forEach(name -> states.add(name + ": " + health(name).body()));
                throw new AssertionError("timed out waiting for " + what + "; health: " + states);
            }
            Thread.sleep(500);
        }
    }

    private static HttpResponse<String> get(String url) throws IOException {
        try {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** SIGKILLs whatever still runs. */
    @Override
    public void close() {
        for (Service service : services.values()) {
            service.process().destroyForcibly();
        }
        try {
            for (Service service : services.values()) {
                service.process().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        services.clear();
    }
}
