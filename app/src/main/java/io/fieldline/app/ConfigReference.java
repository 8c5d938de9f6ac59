package io.fieldline.app;

import io.fieldline.core.kafka.KafkaClientConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.apache.kafka.common.config.ConfigException;

/**
 * Every configuration definition of the assembled application, by section. docs/configuration.md
 * is generated from here (never restate a default by hand), and {@code fieldline config check}
 * validates a configuration against all of them.
 */
public final class ConfigReference {

    /** Families of keys whose names are chosen by the user (route names, Kafka client pass-through). */
    static final List<String> DYNAMIC_PREFIXES = java.util.stream.Stream.concat(
                    java.util.stream.Stream.of(io.fieldline.bridge.mqtt.MqttBridgeConfig.ROUTE_PREFIX),
                    KafkaClientConfig.DYNAMIC_PREFIXES.stream())
            .toList();

    /** Prose the reference shows above a section's table: what the table cannot say. */
    private static final Map<String, String> SECTION_NOTES = Map.of(
            "Kafka clients",
            "One block for every component that talks to Kafka (bridges, Streams, sinks, CDC, the embedded Schema "
                    + "Registry, the admin clients of `up`, `tail` and `can replay`). Besides these keys, any client "
                    + "property passes through: `kafka.producer.<property>` to every producer, "
                    + "`kafka.consumer.<property>` to every consumer, `kafka.admin.<property>` to every admin client, "
                    + "`kafka.streams.<property>` to the Streams applications (with Streams' own `producer.`, "
                    + "`consumer.` and `admin.` prefixes), and further `kafka.sasl.<property>` and "
                    + "`kafka.ssl.<property>` settings to every client. A pass-through that restates a key of this "
                    + "table, contradicts what a component enforces (such as `acks=all`), or sets what a component "
                    + "key also sets (`kafka.producer.linger.ms` beside `mqtt.kafka.linger.ms`) stops the start "
                    + "naming the keys. See docs/kafka.md.");

    private ConfigReference() {}

    /** Section title to definition, in the order the reference lists them. */
    public static Map<String, ConfigDef> sections() {
        Map<String, ConfigDef> sections = new LinkedHashMap<>();
        sections.put("Application", AppConfig.configDef());
        sections.put("Kafka clients", KafkaClientConfig.configDef());
        sections.put("Schema Registry client", io.fieldline.schemas.registry.SchemaRegistryClientConfig.configDef());
        sections.put("Avro serde", io.fieldline.schemas.serde.AvroSerdeConfig.configDef());
        sections.put("Streams topologies", io.fieldline.topologies.StreamsSettingsConfig.configDef());
        sections.put("MQTT bridge", io.fieldline.bridge.mqtt.MqttBridgeConfig.configDef());
        sections.put("Sinks", io.fieldline.sink.SinkConfig.configDef());
        sections.put("CAN bridge", io.fieldline.bridge.can.CanBridgeConfig.configDef());
        sections.put("CDC (Debezium)", io.fieldline.connectors.cdc.CdcConfig.configDef());
        sections.put("Services", io.fieldline.app.service.ServiceConfig.configDef());
        sections.put("HTTP API", io.fieldline.app.api.ApiConfig.configDef());
        // Builds with more commands (the developer build's embedded servers) add their sections.
        for (ConfigSections extra : java.util.ServiceLoader.load(ConfigSections.class)) {
            sections.putAll(extra.sections());
        }
        return sections;
    }

    /**
     * Validates every key that is set against its definition (type and validator), and reports
     * unknown keys so that typos do not pass silently. Required keys that are absent are not
     * reported here: the commands fill the endpoints in from the servers they start.
     */
    public static List<String> check(Map<String, String> config) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> entry : new java.util.TreeMap<>(config).entrySet()) {
            String key = entry.getKey();
            List<ConfigKey> definitions = sections().values().stream()
                    .map(def -> def.configKeys().get(key))
                    .filter(java.util.Objects::nonNull)
                    .toList();
            if (definitions.isEmpty() && DYNAMIC_PREFIXES.stream().noneMatch(key::startsWith)) {
                problems.add("Unknown configuration key '" + key + "' (set by --set, --config or "
                        + ConfigSources.environmentVariableForKey(key) + ")");
            }
            for (ConfigKey definition : definitions) {
                try {
                    Object value = ConfigDef.parseType(key, entry.getValue(), definition.type);
                    if (definition.validator != null) {
                        definition.validator.ensureValid(key, value);
                    }
                } catch (ConfigException e) {
                    problems.add(e.getMessage());
                }
            }
        }
        if (problems.isEmpty()) {
            // What no single key shows: a kafka.producer.* (or consumer, admin, streams) key that restates a
            // shared setting. The bootstrap servers may come from the servers a command starts.
            Map<String, String> kafka = new java.util.HashMap<>(config);
            kafka.putIfAbsent(KafkaClientConfig.BOOTSTRAP_SERVERS, "unset:9092");
            try {
                new KafkaClientConfig(kafka);
            } catch (ConfigException e) {
                problems.add(e.getMessage());
            }
        }
        return problems;
    }

    /** The reference as Markdown tables, one per section. */
    public static String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("# Configuration reference\n\n")
                .append(
                        "Generated by `./fieldline config docs` from the definitions in the code; do not edit by hand.\n\n")
                .append("Every key can be set in a properties file (`--config FILE`), as an environment variable ")
                .append("(`FIELDLINE_` + the key upper-cased with dots as underscores: `sink.batch.size` is ")
                .append("`FIELDLINE_SINK_BATCH_SIZE`), or with `--set key=value`; later sources win in that order. ")
                .append(
                        "A value can also come from a file, as mounted secrets do: `FIELDLINE_<KEY>_FILE=/run/secrets/x` ")
                .append("sets the key to the file's content (see docs/security.md). ")
                .append("An invalid value stops the start with a message naming the key. ")
                .append("The launchers' own variables are not keys: ")
                .append(ConfigSources.LAUNCHER_VARIABLES.stream()
                        .sorted()
                        .map(name -> "`" + name + "`")
                        .collect(java.util.stream.Collectors.joining(", ")))
                .append(".\n");
        for (Map.Entry<String, ConfigDef> section : sections().entrySet()) {
            out.append("\n## ").append(section.getKey()).append("\n\n");
            if (SECTION_NOTES.containsKey(section.getKey())) {
                out.append(SECTION_NOTES.get(section.getKey())).append("\n\n");
            }
            out.append("| key | type | default | valid values | importance | description |\n")
                    .append("|---|---|---|---|---|---|\n");
            for (ConfigKey key : new java.util.TreeMap<>(section.getValue().configKeys()).values()) {
                out.append("| `")
                        .append(key.name)
                        .append("` | ")
                        .append(key.type.name().toLowerCase(java.util.Locale.ROOT))
                        .append(" | ")
                        .append(cell(defaultText(key)))
                        .append(" | ")
                        .append(cell(validatorText(key)))
                        .append(" | ")
                        .append(key.importance.name().toLowerCase(java.util.Locale.ROOT))
                        .append(" | ")
                        .append(cell(key.documentation))
                        .append(" |\n");
            }
        }
        return out.toString();
    }

    private static String validatorText(ConfigKey key) {
        String text = key.validator == null ? "" : key.validator.toString();
        // A validator without a description prints as Object.toString (class@hash), which changes
        // from run to run: say where the rule is instead.
        return text.matches(".*@[0-9a-f]+$") ? "checked in code" : text;
    }

    private static String defaultText(ConfigKey key) {
        if (!key.hasDefault()) {
            return "(required)";
        }
        if (key.defaultValue == null) {
            return "null";
        }
        String text = ConfigDef.convertToString(key.defaultValue, key.type);
        return text.isEmpty() ? "\"\"" : "`" + text + "`";
    }

    private static String cell(String text) {
        return text == null ? "" : text.replace("|", "\\|").replace("\n", " ");
    }
}
