package io.fieldline.app.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fieldline.app.TopicProvisioner;
import io.fieldline.connectors.cdc.CapturedTable;
import io.fieldline.connectors.cdc.TableRecordConverter;
import io.fieldline.schemas.DeadLetterHeaders;
import io.fieldline.schemas.Topic;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.Topics;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The topic contract as an AsyncAPI 3 document, generated from the code that defines it, so that it cannot drift:
 * the typed topic catalogue ({@link Topics}: each topic's name from {@link TopicNames}, its value class and so its
 * Avro schema, compiled from {@code schemas/src/main/avro}), the topics the provisioner creates (cleanup policy,
 * dead-letter stages), the tables the CDC connector publishes as generic records ({@link CapturedTable}) and the
 * dead-letter headers ({@link DeadLetterHeaders}).
 *
 * <p>Values are Avro in the Confluent wire format; each message's payload carries its Avro schema inline with the
 * schema format {@value #AVRO_SCHEMA_FORMAT}. Keys are UTF-8 strings, described per topic in the Kafka message
 * binding. Channel addresses are the default names (empty {@code topics.prefix}). The document is kept in
 * {@code docs/asyncapi.json} ({@code fieldline contract asyncapi -o docs/asyncapi.json}); a test fails when the two
 * differ. No I/O, no clock: the same classes give the same bytes.
 */
public final class AsyncApiDocument {

    /** The AsyncAPI version the document follows. */
    public static final String ASYNCAPI_VERSION = "3.0.0";
    /** Version of the contract the document describes (info.version); raise it when the contract changes. */
    public static final String CONTRACT_VERSION = "1.0.0";
    /** Schema format of the Avro payloads. */
    public static final String AVRO_SCHEMA_FORMAT = "application/vnd.apache.avro+json;version=1.9.0";
    /** Content type of the values: Avro binary behind the Confluent wire-format header. */
    public static final String AVRO_CONTENT_TYPE = "application/vnd.apache.avro+binary";

    private static final String KAFKA_BINDING_VERSION = "0.5.0";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What the catalogue cannot say about a topic of {@link Topics}: what its key is and who writes it.
     * Keyed by the name of the catalogue's method; a catalogue topic missing here fails the generation.
     */
    private static final Map<String, TopicFacts> FACTS = Map.ofEntries(
            Map.entry(
                    "readings",
                    new TopicFacts(
                            "device id",
                            "Raw readings from the edges: the MQTT and CAN bridges, " + "HTTP ingest and CSV import.")),
            Map.entry(
                    "enrichedReadings",
                    new TopicFacts(
                            "device id",
                            "Readings joined with their device and sensor "
                                    + "metadata: calibrated, site, room and unit filled, quality checked (readings application).")),
            Map.entry(
                    "lateReadings",
                    new TopicFacts(
                            "device id",
                            "Readings that arrived after their window's grace " + "(readings application).")),
            Map.entry(
                    "aggregates1m",
                    new TopicFacts(
                            "device id",
                            "One-minute window statistics, one record per "
                                    + "series (device and sensor) and minute (readings application).")),
            Map.entry(
                    "aggregates1h",
                    new TopicFacts(
                            "device id",
                            "One-hour rollups merged from the one-minute " + "windows (readings application).")),
            Map.entry(
                    "alerts",
                    new TopicFacts(
                            "alert id ruleId/deviceId/sensor",
                            "Alert transitions: RAISED, " + "ESCALATED, CLEARED (alert application).")),
            Map.entry("anomalies", new TopicFacts("device id", "Anomaly scores of readings (anomaly application).")),
            Map.entry(
                    "kpis",
                    new TopicFacts(
                            "room id",
                            "Room KPIs over a window: VPD, dew point, DLI, FCR, "
                                    + "mortality rate, production rate (KPI application).")),
            Map.entry(
                    "canFrames",
                    new TopicFacts(
                            "interface/canId", "Raw CAN frames, when the CAN bridge is asked " + "to publish them.")),
            Map.entry(
                    "devices",
                    new TopicFacts(
                            "device id",
                            "Device metadata from PostgreSQL (CDC); a null value "
                                    + "(tombstone) deletes the device.")),
            Map.entry(
                    "sensors",
                    new TopicFacts(
                            "deviceId/sensor",
                            "Sensor metadata from PostgreSQL (CDC); a null "
                                    + "value (tombstone) deletes the sensor.")),
            Map.entry(
                    "alertRules",
                    new TopicFacts(
                            "rule id",
                            "Alert rules from PostgreSQL (CDC); a null value " + "(tombstone) deletes the rule.")));

    /** Descriptions of the dead-letter headers, by header name; a constant of {@link DeadLetterHeaders} missing here fails. */
    private static final Map<String, String> DEAD_LETTER_HEADERS = Map.of(
            DeadLetterHeaders.REASON, "Why the record could not be processed, in words.",
            DeadLetterHeaders.EXCEPTION, "Exception class name, when an exception was the cause.",
            DeadLetterHeaders.STAGE, "Stage that gave up: the suffix of its deadletter.<stage> topic.",
            DeadLetterHeaders.SOURCE_TOPIC, "Where the record came from: a Kafka topic, an MQTT topic, a file name.",
            DeadLetterHeaders.SOURCE_PARTITION, "Kafka partition of the source record, when it came from Kafka.",
            DeadLetterHeaders.SOURCE_OFFSET, "Kafka offset of the source record, or its line number for files.",
            DeadLetterHeaders.TIMESTAMP, "Epoch milliseconds when the record was dead-lettered.");

    private AsyncApiDocument() {}

    /** The document as pretty-printed JSON, ending with a newline: the content of {@code docs/asyncapi.json}. */
    public static String json() {
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n"));
        try {
            return JSON.writer(printer).writeValueAsString(document()) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the AsyncAPI document", e);
        }
    }

    /** The document as a JSON tree. */
    public static ObjectNode document() {
        TopicNames names = TopicNames.defaults();
        Map<String, NewTopic> provisioned = new LinkedHashMap<>();
        new TopicProvisioner(names, 1, (short) 1).topics().forEach(t -> provisioned.put(t.name(), t));

        ObjectNode root = JSON.createObjectNode();
        root.put("asyncapi", ASYNCAPI_VERSION);
        root.put("id", "urn:io:fieldline:topics");
        ObjectNode info = root.putObject("info");
        info.put("title", "Fieldline topics");
        info.put("version", CONTRACT_VERSION);
        info.put(
                "description",
                "The Kafka topics of Fieldline, a public contract: names, keys, partitioning and Avro value schemas "
                        + "change only in backward-compatible ways. Keys are UTF-8 strings. Values are Avro in the "
                        + "Confluent wire format (byte 0, the 4-byte big-endian schema id, then Avro binary), "
                        + "registered under the subject <topic>-value (TopicNameStrategy). Every topic name carries "
                        + "the deployment's topics.prefix, empty by default and in the addresses below. Generated "
                        + "from the code by `fieldline contract asyncapi`; see docs/topics.md.");
        info.putObject("license").put("name", "Apache-2.0");
        root.put("defaultContentType", AVRO_CONTENT_TYPE);
        ObjectNode kafka = root.putObject("servers").putObject("kafka");
        kafka.put("host", "localhost:9092");
        kafka.put("protocol", "kafka");
        kafka.put(
                "description",
                "The Kafka cluster (fieldline up writes its address to .fieldline/endpoints.env as "
                        + "KAFKA_BOOTSTRAP_SERVERS).");
        ObjectNode serverBinding = kafka.putObject("bindings").putObject("kafka");
        serverBinding.put("schemaRegistryUrl", "http://localhost:8081");
        serverBinding.put("schemaRegistryVendor", "confluent");
        serverBinding.put("bindingVersion", KAFKA_BINDING_VERSION);

        ObjectNode channels = root.putObject("channels");
        ObjectNode operations = root.putObject("operations");
        ObjectNode messages = root.putObject("components").putObject("messages");

        for (CatalogueTopic topic : catalogue(names)) {
            String messageId = topic.schema().getName();
            if (!messages.has(messageId)) {
                messages.set(messageId, avroMessage(topic.schema()));
            }
            TopicFacts facts = topic.facts();
            ObjectNode channel = channel(channels, topic.method(), topic.name(), facts.description(), provisioned);
            channel.putObject("messages").set(messageId, ref("#/components/messages/" + messageId));
            keyBinding(object(messages, messageId), topic.method(), facts.key());
            operation(operations, topic.method(), messageId);
        }

        for (CapturedTable table : CapturedTable.values()) {
            if (table.typed()) {
                continue; // in the catalogue above
            }
            String topicName = table.topic(names);
            String id = camel(topicName);
            String messageId = recordName(table.tableName());
            messages.set(messageId, genericMetadataMessage(table, topicName, messageId));
            ObjectNode channel = channel(
                    channels,
                    id,
                    topicName,
                    "The " + table.tableName() + " table from PostgreSQL (CDC), compacted; a null value "
                            + "(tombstone) deletes the row.",
                    Map.of());
            object(object(channel, "bindings"), "kafka")
                    .putObject("topicConfiguration")
                    .putArray("cleanup.policy")
                    .add(TopicConfig.CLEANUP_POLICY_COMPACT);
            channel.putObject("messages").set(messageId, ref("#/components/messages/" + messageId));
            operation(operations, id, messageId);
        }

        messages.set("DeadLetter", deadLetterMessage());
        ObjectNode deadLetters = channels.putObject("deadLetters");
        deadLetters.put("address", names.deadLetters("{stage}"));
        deadLetters.put(
                "description",
                "What a stage could not decode, process or write, unchanged (key and value bytes as received), with "
                        + "the reason and the origin in headers, so it can be inspected and replayed "
                        + "(fieldline dlq).");
        ObjectNode stage = deadLetters.putObject("parameters").putObject("stage");
        stage.put("description", "The stage that gave up.");
        ArrayNode stages = stage.putArray("enum");
        TopicProvisioner.DEAD_LETTER_STAGES.forEach(stages::add);
        deadLetters.putObject("messages").set("DeadLetter", ref("#/components/messages/DeadLetter"));
        operation(operations, "deadLetters", "DeadLetter");
        return root;
    }

    /** The topics of {@link Topics}, in the order of {@link TopicNames#dataTopics()} then the metadata topics. */
    static List<CatalogueTopic> catalogue(TopicNames names) {
        List<CatalogueTopic> topics = new ArrayList<>();
        for (Method method : Topics.class.getMethods()) {
            if (method.getReturnType() != Topic.class || method.getParameterCount() != 0) {
                continue;
            }
            TopicFacts facts = FACTS.get(method.getName());
            if (facts == null) {
                throw new IllegalStateException("Topics." + method.getName() + "() has no key and description in "
                        + AsyncApiDocument.class.getSimpleName() + ".FACTS");
            }
            Type valueType = ((ParameterizedType) method.getGenericReturnType()).getActualTypeArguments()[1];
            try {
                String name =
                        (String) TopicNames.class.getMethod(method.getName()).invoke(names);
                Schema schema = (Schema)
                        ((Class<?>) valueType).getMethod("getClassSchema").invoke(null);
                topics.add(new CatalogueTopic(method.getName(), name, schema, facts));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot describe Topics." + method.getName() + "()", e);
            }
        }
        List<String> order = new ArrayList<>(names.dataTopics());
        order.addAll(names.metadataTopics());
        topics.sort(Comparator.comparingInt(
                        (CatalogueTopic t) -> order.contains(t.name()) ? order.indexOf(t.name()) : Integer.MAX_VALUE)
                .thenComparing(CatalogueTopic::name));
        return topics;
    }

    /** Names and descriptions of every constant of {@link DeadLetterHeaders}, in declaration order. */
    static Map<String, String> deadLetterHeaders() {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Field field : DeadLetterHeaders.class.getFields()) {
            if (!Modifier.isStatic(field.getModifiers()) || field.getType() != String.class) {
                continue;
            }
            try {
                String header = (String) field.get(null);
                String description = DEAD_LETTER_HEADERS.get(header);
                if (description == null) {
                    throw new IllegalStateException("DeadLetterHeaders." + field.getName() + " has no description in "
                            + AsyncApiDocument.class.getSimpleName() + ".DEAD_LETTER_HEADERS");
                }
                headers.put(header, description);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        return headers;
    }

    private static ObjectNode channel(
            ObjectNode channels, String id, String address, String description, Map<String, NewTopic> provisioned) {
        ObjectNode channel = channels.putObject(id);
        channel.put("address", address);
        channel.put("description", description);
        NewTopic topic = provisioned.get(address);
        if (topic != null) {
            ObjectNode binding = channel.putObject("bindings").putObject("kafka");
            binding.put("topic", address);
            String cleanup = topic.configs() == null ? null : topic.configs().get(TopicConfig.CLEANUP_POLICY_CONFIG);
            binding.putObject("topicConfiguration")
                    .putArray("cleanup.policy")
                    .add(cleanup != null ? cleanup : TopicConfig.CLEANUP_POLICY_DELETE);
            binding.put("bindingVersion", KAFKA_BINDING_VERSION);
        } else {
            ObjectNode binding = channel.putObject("bindings").putObject("kafka");
            binding.put("topic", address);
            binding.put("bindingVersion", KAFKA_BINDING_VERSION);
        }
        return channel;
    }

    private static void operation(ObjectNode operations, String channelId, String messageId) {
        ObjectNode operation =
                operations.putObject("send" + Character.toUpperCase(channelId.charAt(0)) + channelId.substring(1));
        operation.put("action", "send");
        operation.set("channel", ref("#/channels/" + channelId));
        operation.putArray("messages").add(ref("#/channels/" + channelId + "/messages/" + messageId));
    }

    private static ObjectNode avroMessage(Schema schema) {
        ObjectNode message = JSON.createObjectNode();
        message.put("name", schema.getName());
        message.put("title", schema.getFullName());
        if (schema.getDoc() != null) {
            message.put("summary", schema.getDoc());
        }
        message.put("contentType", AVRO_CONTENT_TYPE);
        ObjectNode payload = message.putObject("payload");
        payload.put("schemaFormat", AVRO_SCHEMA_FORMAT);
        try {
            payload.set("schema", JSON.readTree(schema.toString()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot read the schema of " + schema.getFullName(), e);
        }
        ObjectNode binding = message.putObject("bindings").putObject("kafka");
        binding.put("schemaIdLocation", "payload");
        binding.put("schemaIdPayloadEncoding", "confluent");
        binding.put("schemaLookupStrategy", "TopicNameStrategy");
        binding.put("bindingVersion", KAFKA_BINDING_VERSION);
        return message;
    }

    /** The key of a message; a message on several topics (Reading, Aggregate) has the same key on each. */
    private static void keyBinding(ObjectNode message, String channelId, String key) {
        ObjectNode keySchema = object(object(object(message, "bindings"), "kafka"), "key");
        String description = "UTF-8 string: the " + key;
        if (keySchema.has("description")
                && !keySchema.get("description").asText().equals(description)) {
            throw new IllegalStateException("message " + message.path("name").asText() + " has two keys: "
                    + keySchema.get("description").asText() + " and, on " + channelId + ", " + key);
        }
        keySchema.put("type", "string");
        keySchema.put("description", description);
    }

    private static ObjectNode genericMetadataMessage(CapturedTable table, String topic, String name) {
        ObjectNode message = JSON.createObjectNode();
        message.put("name", name);
        message.put("title", TableRecordConverter.NAMESPACE + "." + name);
        message.put(
                "summary",
                "One row of the " + table.tableName() + " table as a generic Avro record whose schema follows the "
                        + "table's columns (docs/cdc.md); read it from the registry subject " + topic + "-value.");
        message.put("contentType", AVRO_CONTENT_TYPE);
        ObjectNode payload = message.putObject("payload");
        payload.put("type", "object");
        payload.put(
                "description",
                "Avro record " + TableRecordConverter.NAMESPACE + "." + name
                        + ", one field per column; its schema is registered by the CDC connector.");
        ObjectNode binding = message.putObject("bindings").putObject("kafka");
        binding.putObject("key")
                .put("type", "string")
                .put("description", "UTF-8 string: the row's primary key (" + table.tableName() + " id)");
        binding.put("schemaIdLocation", "payload");
        binding.put("schemaIdPayloadEncoding", "confluent");
        binding.put("schemaLookupStrategy", "TopicNameStrategy");
        binding.put("bindingVersion", KAFKA_BINDING_VERSION);
        return message;
    }

    private static ObjectNode deadLetterMessage() {
        ObjectNode message = JSON.createObjectNode();
        message.put("name", "DeadLetter");
        message.put("title", "Dead letter");
        message.put("summary", "The source record or message, unchanged, with why and where from in headers.");
        message.put("contentType", "application/octet-stream");
        ObjectNode headers = message.putObject("headers");
        headers.put("type", "object");
        headers.put("description", "UTF-8 string values.");
        ObjectNode properties = headers.putObject("properties");
        deadLetterHeaders()
                .forEach((header, description) ->
                        properties.putObject(header).put("type", "string").put("description", description));
        ObjectNode patterns = headers.putObject("patternProperties");
        patterns.putObject("^fieldline\\.[a-z0-9_-]+\\.payload\\.truncated$")
                .put("type", "string")
                .put(
                        "description",
                        "fieldline.<source>.payload.truncated: the original payload size in bytes, when the dead "
                                + "letter was too large for Kafka and its payload was cut to its first 64 KiB (or "
                                + "left off).");
        patterns.putObject("^fieldline\\.[a-z0-9_-]+\\.headers\\.dropped$")
                .put("type", "string")
                .put(
                        "description",
                        "fieldline.<source>.headers.dropped: how many of the source message's headers were left off "
                                + "to fit.");
        headers.putArray("required").add(DeadLetterHeaders.REASON).add(DeadLetterHeaders.STAGE);
        ObjectNode payload = message.putObject("payload");
        payload.put("type", "string");
        payload.put("format", "binary");
        payload.put("description", "The original value bytes (null when the original had none or it was left off).");
        ObjectNode binding = message.putObject("bindings").putObject("kafka");
        binding.putObject("key")
                .put("type", "string")
                .put("format", "binary")
                .put("description", "The original key bytes (the MQTT topic for MQTT messages; none for file lines)");
        binding.put("bindingVersion", KAFKA_BINDING_VERSION);
        return message;
    }

    /** The object field of {@code parent}, created when absent. */
    private static ObjectNode object(ObjectNode parent, String field) {
        JsonNode node = parent.get(field);
        return node instanceof ObjectNode existing ? existing : parent.putObject(field);
    }

    private static JsonNode ref(String pointer) {
        return JSON.createObjectNode().put("$ref", pointer);
    }

    /** {@code metadata.alert-rules} to {@code metadataAlertRules}. */
    static String camel(String topic) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char c : topic.toCharArray()) {
            if (c == '.' || c == '-' || c == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }

    /** {@code alert_rule} to {@code AlertRule}, as the CDC connector names its generic records. */
    private static String recordName(String table) {
        StringBuilder out = new StringBuilder();
        for (String part : table.split("_")) {
            out.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
        }
        return out.toString();
    }

    /** One topic of the typed catalogue. */
    record CatalogueTopic(String method, String name, Schema schema, TopicFacts facts) {}

    /** What a topic's key is, and what the topic holds. */
    record TopicFacts(String key, String description) {}
}
