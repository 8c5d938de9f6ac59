package io.fieldline.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where a command finds Kafka and the Schema Registry: its options, else the endpoints file that
 * {@code fieldline up} writes. The options of every command that talks to those servers.
 */
public final class EndpointOptions {

    static final String BOOTSTRAP_SERVERS_KEY = "KAFKA_BOOTSTRAP_SERVERS";
    static final String SCHEMA_REGISTRY_URL_KEY = "SCHEMA_REGISTRY_URL";

    @Option(
            names = "--endpoints",
            paramLabel = "FILE",
            defaultValue = ".fieldline/endpoints.env",
            description = "Endpoints written by fieldline up (default: ${DEFAULT-VALUE}).")
    Path file;

    @Option(
            names = "--bootstrap-servers",
            paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (default: from the endpoints file).")
    String bootstrapServers;

    @Option(
            names = "--schema-registry-url",
            paramLabel = "URL",
            description = "Schema Registry URL (default: from the endpoints file).")
    String schemaRegistryUrl;

    /** The Kafka bootstrap servers: the option, else {@code KAFKA_BOOTSTRAP_SERVERS} of the endpoints file. */
    public String bootstrapServers() {
        return bootstrapServers != null ? bootstrapServers : fromFile(BOOTSTRAP_SERVERS_KEY);
    }

    /**
     * The shared Kafka client block ({@code kafka.*}: TLS, SASL, pass-through) from the configuration, with the
     * cluster from {@code --bootstrap-servers}, else {@code kafka.bootstrap.servers}, else the endpoints file.
     */
    public io.fieldline.core.kafka.KafkaClientConfig kafka(Map<String, String> config) {
        Map<String, String> settings = new HashMap<>(config);
        if (bootstrapServers != null) {
            settings.put(io.fieldline.core.kafka.KafkaClientConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        } else if (!settings.containsKey(io.fieldline.core.kafka.KafkaClientConfig.BOOTSTRAP_SERVERS)) {
            settings.put(io.fieldline.core.kafka.KafkaClientConfig.BOOTSTRAP_SERVERS, fromFile(BOOTSTRAP_SERVERS_KEY));
        }
        return new io.fieldline.core.kafka.KafkaClientConfig(settings);
    }

    /** The Schema Registry URL: the option, else {@code SCHEMA_REGISTRY_URL} of the endpoints file. */
    public String schemaRegistryUrl() {
        return schemaRegistryUrl != null ? schemaRegistryUrl : fromFile(SCHEMA_REGISTRY_URL_KEY);
    }

    /**
     * A registry client with the {@code schema.registry.*} settings of the configuration (basic authentication,
     * TLS, timeouts) and the URL from {@code --schema-registry-url}, else {@code schema.registry.url}, else the
     * endpoints file.
     */
    public io.fieldline.schemas.registry.HttpSchemaRegistryClient schemaRegistry(Map<String, String> config) {
        Map<String, Object> settings = new HashMap<>(config);
        if (schemaRegistryUrl != null
                || !settings.containsKey(io.fieldline.schemas.registry.SchemaRegistryClientConfig.URL)) {
            settings.put(io.fieldline.schemas.registry.SchemaRegistryClientConfig.URL, schemaRegistryUrl());
        }
        return new io.fieldline.schemas.registry.HttpSchemaRegistryClient(settings);
    }

    private String fromFile(String key) {
        String value = read(file).get(key);
        if (value == null) {
            throw new IllegalArgumentException("No " + key + ": run ./fieldline up first, or pass --bootstrap-servers "
                    + "and --schema-registry-url (looked in " + file + ")");
        }
        return value;
    }

    /** The KEY=VALUE lines of an endpoints file; empty when there is no such file. */
    static Map<String, String> read(Path file) {
        Map<String, String> endpoints = new HashMap<>();
        if (file == null || !Files.exists(file)) {
            return endpoints;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (!line.startsWith("#") && eq > 0) {
                    endpoints.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the endpoints file " + file, e);
        }
        return endpoints;
    }
}
