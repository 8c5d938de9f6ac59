package io.fieldline.dev.compose;

import static io.fieldline.dev.compose.DeploymentFiles.environment;
import static io.fieldline.dev.compose.DeploymentFiles.interpolate;
import static io.fieldline.dev.compose.DeploymentFiles.strings;

import io.fieldline.app.ConfigReference;
import io.fieldline.app.ConfigSections;
import io.fieldline.app.ConfigSources;
import io.fieldline.app.service.ServiceComponents;
import io.fieldline.app.service.ServiceConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigDef;

/**
 * What ComposeFileTest asserts of {@code compose/docker-compose.yml} and {@code compose/prometheus/prometheus.yml},
 * as a list of problems (empty when the deployment is sound), so that a test can also show that each check catches
 * what it is for.
 */
final class ComposeChecks {

    /** The Fieldline image's repository (app/pom.xml, profile image: {@code image.name}). */
    static final String FIELDLINE_IMAGE = "fieldline/fieldline";

    /** What every Fieldline process serves on http.port (the ops endpoint, docs/operations.md). */
    static final Set<String> OPS_PATHS = Set.of("/health", "/health/live", "/health/ready", "/metrics");

    private static final Pattern FIELDLINE_VARIABLE = Pattern.compile("FIELDLINE_[A-Z0-9_]+");
    private static final Pattern ASSIGNMENT = Pattern.compile("(FIELDLINE_[A-Z0-9_]+)=\"?([^\"\\s]*)\"?");
    private static final Pattern LOCAL_URL = Pattern.compile("https?://localhost:(\\d+)(/[^\\s\"']*)?");
    private static final Pattern PORT_ARGUMENT =
            Pattern.compile("(?:--bootstrap-server\\s+localhost:|\\s-p\\s+)(\\d+)");

    private final Map<String, Map<String, Object>> services;
    private final Map<String, String> variables;
    private final String mosquittoConf;

    ComposeChecks(Map<String, Object> compose, Map<String, String> variables, String mosquittoConf) {
        this.services = DeploymentFiles.services(compose);
        this.variables = variables;
        this.mosquittoConf = mosquittoConf;
    }

    // ---------------------------------------------------------------------------------------------- images

    /** Every image names a tag (not {@code latest}) or a digest. */
    List<String> unpinnedImages() {
        List<String> problems = new ArrayList<>();
        services.forEach((name, service) -> {
            String image = interpolate(String.valueOf(service.get("image")), variables);
            String lastSegment = image.substring(image.lastIndexOf('/') + 1);
            boolean digest = image.contains("@sha256:");
            boolean tagged =
                    lastSegment.contains(":") && !lastSegment.endsWith(":") && !lastSegment.endsWith(":latest");
            if (service.get("image") == null || !(digest || tagged)) {
                problems.add(name + ": image '" + service.get("image") + "' is not pinned by a tag or digest");
            }
        });
        return problems;
    }

    // ------------------------------------------------------------------------------------ configuration

    /** The configuration keys of the product image: every section but those the developer build adds. */
    static Set<String> productKeys() {
        Set<String> keys = new TreeSet<>();
        ConfigReference.sections().values().forEach(def -> keys.addAll(def.names()));
        for (ConfigSections extra : ServiceLoader.load(ConfigSections.class)) {
            extra.sections().values().forEach(def -> keys.removeAll(def.names()));
        }
        return keys;
    }

    /**
     * Every FIELDLINE_* variable a Fieldline service sets (in its environment or its entry point) is a configuration key
     * of the product, with a valid value once interpolated.
     */
    List<String> unknownConfiguration() {
        List<String> problems = new ArrayList<>();
        Set<String> productKeys = productKeys();
        for (Map.Entry<String, Map<String, Object>> entry : services.entrySet()) {
            String name = entry.getKey();
            Map<String, Object> service = entry.getValue();
            Map<String, String> config = new TreeMap<>();
            environment(service).forEach((variable, value) -> {
                if (variable.startsWith("FIELDLINE_")) {
                    config.put(variable, interpolate(value, variables));
                }
            });
            for (String text : strings(service.get("entrypoint"))) {
                Matcher assignment = ASSIGNMENT.matcher(text);
                while (assignment.find()) {
                    config.put(assignment.group(1), interpolate(assignment.group(2), variables));
                }
                Matcher mention = FIELDLINE_VARIABLE.matcher(text);
                while (mention.find()) {
                    config.putIfAbsent(mention.group(), "");
                }
            }
            Map<String, String> keys = new TreeMap<>();
            config.forEach((variable, value) -> {
                String key = ConfigSources.keyForEnvironmentVariable(variable);
                if (!productKeys.contains(key) && !isDynamic(key)) {
                    problems.add(name + ": " + variable + " sets '" + key + "', which is not a configuration key"
                            + " of the product (docs/configuration.md)");
                } else {
                    keys.put(key, value);
                }
            });
            for (String problem : ConfigReference.check(keys)) {
                problems.add(name + ": " + problem);
            }
        }
        return problems;
    }

    private static boolean isDynamic(String key) {
        return key.startsWith("mqtt.route.")
                || key.startsWith("kafka.producer.")
                || key.startsWith("kafka.consumer.")
                || key.startsWith("kafka.admin.")
                || key.startsWith("kafka.streams.");
    }

    // -------------------------------------------------------------------------------- what is served

    /** A port and the paths served on it (an empty set: not HTTP, or any path). */
    record Endpoint(int port, Set<String> paths) {}

    boolean isFieldline(String service) {
        return String.valueOf(services.get(service).get("image")).startsWith(FIELDLINE_IMAGE + ":");
    }

    /** The component a Fieldline service runs (its command), or null for a one-shot of another command. */
    String component(String service) {
        List<String> command = strings(services.get(service).get("command"));
        return !command.isEmpty() && ServiceComponents.NAMES.contains(command.get(0)) ? command.get(0) : null;
    }

    /** The endpoints a service serves, as far as its image and settings say; empty when the test does not know. */
    List<Endpoint> served(String service) {
        Map<String, Object> definition = services.get(service);
        if (definition == null) {
            return List.of();
        }
        Map<String, String> env = environment(definition);
        String image = String.valueOf(definition.get("image"));
        if (isFieldline(service)) {
            if (component(service) == null) {
                return List.of();
            }
            String port = env.get(ConfigSources.environmentVariableForKey(ServiceConfig.HTTP_PORT));
            int httpPort = port != null
                    ? Integer.parseInt(interpolate(port, variables))
                    : (Integer) ConfigDef.parseType(
                            ServiceConfig.HTTP_PORT,
                            ServiceConfig.configDef().configKeys().get(ServiceConfig.HTTP_PORT).defaultValue,
                            ConfigDef.Type.INT);
            return List.of(new Endpoint(httpPort, OPS_PATHS));
        }
        if (image.startsWith("apache/kafka:")) {
            List<Endpoint> listeners = new ArrayList<>();
            Matcher port = Pattern.compile(":(\\d+)").matcher(env.getOrDefault("KAFKA_LISTENERS", ""));
            while (port.find()) {
                listeners.add(new Endpoint(Integer.parseInt(port.group(1)), Set.of()));
            }
            return listeners;
        }
        if (image.startsWith("confluentinc/cp-schema-registry:")) {
            Matcher port = Pattern.compile(":(\\d+)$").matcher(env.getOrDefault("SCHEMA_REGISTRY_LISTENERS", ""));
            // The Confluent REST API's read-only resources.
            return port.find()
                    ? List.of(new Endpoint(
                            Integer.parseInt(port.group(1)), Set.of("/subjects", "/schemas/types", "/config", "/mode")))
                    : List.of();
        }
        if (image.startsWith("eclipse-mosquitto:")) {
            List<Endpoint> listeners = new ArrayList<>();
            Matcher listener =
                    Pattern.compile("(?m)^listener\\s+(\\d+)").matcher(mosquittoConf == null ? "" : mosquittoConf);
            while (listener.find()) {
                listeners.add(new Endpoint(Integer.parseInt(listener.group(1)), Set.of()));
            }
            return listeners;
        }
        if (image.startsWith("prom/prometheus:")) {
            return List.of(new Endpoint(9090, Set.of("/-/ready", "/-/healthy", "/metrics")));
        }
        if (image.startsWith("grafana/grafana:")) {
            return List.of(new Endpoint(3000, Set.of("/api/health", "/metrics")));
        }
        if (image.startsWith("timescale/timescaledb:")) {
            return List.of(new Endpoint(5432, Set.of()));
        }
        if (image.startsWith("redis:")) {
            return List.of(new Endpoint(6379, Set.of()));
        }
        return List.of();
    }

    private boolean serves(String service, int port, String path) {
        return served(service).stream()
                .anyMatch(e -> e.port() == port
                        && (path == null || e.paths().isEmpty() || e.paths().contains(path)));
    }

    /**
     * Every health check that names a local port (and path) names one its service serves; a Fieldline component's
     * checks /health/ready; every service another waits for as healthy has a health check.
     */
    List<String> healthChecks() {
        List<String> problems = new ArrayList<>();
        services.forEach((name, service) -> {
            Object raw = service.get("healthcheck");
            @SuppressWarnings("unchecked")
            Map<String, Object> check = raw instanceof Map ? (Map<String, Object>) raw : Map.of();
            boolean disabled = Boolean.TRUE.equals(check.get("disable"));
            String test = String.join(" ", strings(check.get("test")));
            if (isFieldline(name) && component(name) != null) {
                if (disabled || !test.contains("/health/ready")) {
                    problems.add(
                            name + ": a Fieldline component's health check must ask /health/ready, got '" + test + "'");
                }
            }
            if (disabled) {
                return;
            }
            Matcher url = LOCAL_URL.matcher(test);
            while (url.find()) {
                int port = Integer.parseInt(url.group(1));
                String path = url.group(2) == null ? "/" : url.group(2);
                if (!serves(name, port, path)) {
                    problems.add(name + ": health check asks http://localhost:" + port + path
                            + ", which the service does not serve (it serves " + served(name) + ")");
                }
            }
            Matcher port = PORT_ARGUMENT.matcher(test);
            while (port.find()) {
                if (!serves(name, Integer.parseInt(port.group(1)), null)) {
                    problems.add(name + ": health check connects to port " + port.group(1)
                            + ", which the service does not listen on (it serves " + served(name) + ")");
                }
            }
        });
        services.forEach((name, service) -> {
            if (service.get("depends_on") instanceof Map<?, ?> dependsOn) {
                dependsOn.forEach((dependency, how) -> {
                    Map<String, Object> target = services.get(String.valueOf(dependency));
                    String condition = how instanceof Map<?, ?> m ? String.valueOf(m.get("condition")) : "";
                    if (target == null) {
                        problems.add(name + ": depends on '" + dependency + "', which is not a service");
                    } else if (condition.equals("service_healthy")
                            && (!(target.get("healthcheck") instanceof Map<?, ?> hc)
                                    || Boolean.TRUE.equals(hc.get("disable")))) {
                        problems.add(
                                name + ": waits for '" + dependency + "' to be healthy, which has no health check");
                    } else if (condition.equals("service_completed_successfully")
                            && !"no".equals(String.valueOf(target.get("restart")))) {
                        problems.add(name + ": waits for '" + dependency
                                + "' to complete, which is restarted (restart: no expected)");
                    }
                });
            }
        });
        return problems;
    }

    /**
     * Every scrape target of prometheus.yml names a service that serves the port and metrics path scraped, and every
     * Fieldline component's service is scraped.
     */
    @SuppressWarnings("unchecked")
    List<String> prometheusTargets(Map<String, Object> prometheus) {
        List<String> problems = new ArrayList<>();
        Set<String> scraped = new TreeSet<>();
        for (Map<String, Object> job : (List<Map<String, Object>>) prometheus.get("scrape_configs")) {
            String jobName = String.valueOf(job.get("job_name"));
            String path = String.valueOf(job.getOrDefault("metrics_path", "/metrics"));
            List<Map.Entry<String, Integer>> targets = new ArrayList<>();
            for (Map<String, Object> sd : (List<Map<String, Object>>) job.getOrDefault("dns_sd_configs", List.of())) {
                for (Object dnsName : (List<Object>) sd.get("names")) {
                    targets.add(Map.entry(String.valueOf(dnsName), (Integer) sd.get("port")));
                }
            }
            for (Map<String, Object> sc : (List<Map<String, Object>>) job.getOrDefault("static_configs", List.of())) {
                for (Object target : (List<Object>) sc.get("targets")) {
                    String text = String.valueOf(target);
                    String host = text.substring(0, text.lastIndexOf(':'));
                    targets.add(Map.entry(
                            host.equals("localhost") ? "prometheus" : host,
                            Integer.parseInt(text.substring(text.lastIndexOf(':') + 1))));
                }
            }
            for (Map.Entry<String, Integer> target : targets) {
                if (!services.containsKey(target.getKey())) {
                    problems.add("prometheus job " + jobName + ": target '" + target.getKey() + "' is not a service");
                } else if (!serves(target.getKey(), target.getValue(), path)) {
                    problems.add("prometheus job " + jobName + ": scrapes " + target.getKey() + ":" + target.getValue()
                            + path + ", which the service does not serve (it serves " + served(target.getKey())
                            + ")");
                } else {
                    scraped.add(target.getKey());
                }
            }
        }
        services.keySet().stream()
                .filter(name -> component(name) != null && !scraped.contains(name))
                .forEach(name -> problems.add(name + ": a Fieldline component that Prometheus does not scrape"));
        return problems;
    }

    // ------------------------------------------------------------------------------------------ ports

    /** No two services publish the same host port; a scalable Fieldline component publishes none. */
    List<String> hostPorts() {
        List<String> problems = new ArrayList<>();
        Map<String, String> owners = new HashMap<>();
        services.forEach((name, service) -> {
            for (Object entry : (List<?>) service.getOrDefault("ports", List.of())) {
                String published = publishedPort(entry);
                String previous = owners.putIfAbsent(published, name);
                if (previous != null) {
                    problems.add("host port " + published + " is published by both " + previous + " and " + name);
                }
                String component = component(name);
                if (component != null && !component.equals(ServiceComponents.CAN_BRIDGE)) {
                    problems.add(name + ": publishes host port " + published
                            + ", so it cannot be scaled (docker compose up --scale)");
                }
            }
        });
        return problems;
    }

    /** The host side of a port mapping: {@code [ip:]host:container} or the long syntax's {@code published}. */
    private String publishedPort(Object entry) {
        if (entry instanceof Map<?, ?> map) {
            return Objects.toString(map.get("host_ip"), "").isEmpty()
                    ? String.valueOf(map.get("published"))
                    : map.get("host_ip") + ":" + map.get("published");
        }
        String text = interpolate(String.valueOf(entry), variables).replaceAll("/(tcp|udp)$", "");
        String[] parts = text.split(":");
        return parts.length == 3
                ? parts[0] + ":" + parts[1]
                : parts.length == 2 ? parts[0] : "(ephemeral " + text + ")";
    }

    // ------------------------------------------------------------------------------------- components

    /** Each component of {@code fieldline run} (not the single Streams applications) has exactly one service. */
    List<String> components() {
        List<String> problems = new ArrayList<>();
        Map<String, List<String>> byComponent = new LinkedHashMap<>();
        services.keySet().forEach(name -> {
            String component = component(name);
            if (component != null && isFieldline(name)) {
                byComponent.computeIfAbsent(component, c -> new ArrayList<>()).add(name);
            }
        });
        for (String component : ServiceComponents.NAMES) {
            if (component.contains(":")) {
                continue;
            }
            List<String> running = byComponent.getOrDefault(component, List.of());
            if (running.size() != 1) {
                problems.add("component " + component + " is run by " + running.size() + " services " + running
                        + " (one expected, scaled with --scale)");
            }
        }
        return problems;
    }

    List<String> all(Map<String, Object> prometheus) {
        List<String> problems = new ArrayList<>();
        problems.addAll(unpinnedImages());
        problems.addAll(unknownConfiguration());
        problems.addAll(healthChecks());
        problems.addAll(prometheusTargets(prometheus));
        problems.addAll(hostPorts());
        problems.addAll(components());
        return problems;
    }
}
