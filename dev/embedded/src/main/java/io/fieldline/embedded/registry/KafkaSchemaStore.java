package io.fieldline.embedded.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fieldline.core.kafka.ClientRules;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.core.kafka.TopicReadiness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's state (schemas by global id, subjects and their versions, compatibility levels), kept in
 * memory and persisted to a single-partition compacted Kafka topic.
 *
 * <p>This store assumes it is the <b>only writer</b> of its topic: it reads the whole topic once when opened
 * and from then on applies its own writes to memory after Kafka acknowledged them ({@code acks=all}). Two
 * registries writing the same topic at once could hand out the same id twice, so run one instance per topic.
 *
 * <p>Records: key {@code {"keytype":"SCHEMA","subject":s,"version":v,"magic":1}} with value
 * {@code {"subject":s,"version":v,"id":n,"schema":"...","deleted":false,"purged":false}}, and key
 * {@code {"keytype":"CONFIG","subject":s|null,"magic":0}} with value {@code {"compatibilityLevel":"BACKWARD"}}
 * or a tombstone. A permanently deleted version stays as a {@code purged} record so its id is never reused.
 *
 * <p><b>Failed writes.</b> A write whose acknowledgement does not come (a timeout, a lost connection) may
 * still be in the log. Its id must then count as taken: were it handed to the next schema, the log would hold
 * two schemas with one id, and a restarted registry (the first record wins) would decode the second one's
 * data with the first one's schema. So the store keeps such a record as pending and, before it changes
 * anything else, writes that same record again until Kafka acknowledges it; only then does it apply it and
 * go on. Writing a record twice is harmless (the same key and value), and the request that failed reports
 * the error to its client, whose retry then finds the record. Should the log hold two schemas under one id
 * anyway (written by an older registry), the later record is ignored, with an error in the log, on every
 * read, so the live and a restarted registry agree.
 */
final class KafkaSchemaStore implements AutoCloseable {

    /** One version of a subject. */
    record Version(String subject, int version, int id, String schema, boolean deleted, boolean purged) {
        boolean live() {
            return !deleted && !purged;
        }
    }

    /** Writes one record to the topic and waits for its acknowledgement; a seam for fault injection in tests. */
    @FunctionalInterface
    interface RecordWriter {
        /**
         * @throws RegistryException when the write failed or its outcome is unknown
         */
        void write(String keyJson, String valueJson);
    }

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSchemaStore.class);
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private final ObjectMapper json = new ObjectMapper();
    private final KafkaClientConfig kafka;
    private final String topic;
    private final KafkaProducer<String, String> producer;
    private final RecordWriter writer;

    private final Map<Integer, String> schemasById = new HashMap<>();
    private final Map<String, Integer> idsBySchema = new HashMap<>();
    private final Map<String, NavigableMap<Integer, Version>> subjects = new TreeMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel = CompatibilityLevel.BACKWARD;
    private int maxId;
    /** A record whose write failed without saying whether it reached the log: {key, value}, or null. */
    private String[] pending;

    private KafkaSchemaStore(KafkaClientConfig kafka, String topic, UnaryOperator<RecordWriter> faults) {
        this.kafka = kafka;
        this.topic = topic;
        // A write is acknowledged to the registry's client only once every in-sync replica has it.
        this.producer = new KafkaProducer<>(kafka.producerProperties(ClientRules.of("the Schema Registry's store")
                .enforce(ProducerConfig.ACKS_CONFIG, "all")
                .enforce(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .enforce(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class)
                .enforce(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class)
                .byDefault(ProducerConfig.LINGER_MS_CONFIG, "0")
                .byDefault(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(WRITE_TIMEOUT.toMillis()))
                .byDefault(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000")
                .byDefault(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(WRITE_TIMEOUT.toMillis()))
                .byDefault(ProducerConfig.CLIENT_ID_CONFIG, "fieldline-schema-registry-" + UUID.randomUUID())));
        this.writer = faults.apply(this::send);
    }

    /**
     * Creates the topic if it is missing, then reads it to its end.
     *
     * @param kafka the Kafka cluster and how to reach it
     * @param topic the compacted topic
     * @return the store, holding every schema, version and setting in the topic
     */
    static KafkaSchemaStore open(KafkaClientConfig kafka, String topic) {
        return open(kafka, topic, UnaryOperator.identity());
    }

    /**
     * As {@link #open(KafkaClientConfig, String)}, with the writes going through {@code faults} (tests inject
     * failures).
     */
    static KafkaSchemaStore open(KafkaClientConfig kafka, String topic, UnaryOperator<RecordWriter> faults) {
        createTopicIfMissing(kafka, topic);
        KafkaSchemaStore store = new KafkaSchemaStore(kafka, topic, faults);
        try {
            store.readToEnd();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    private static void createTopicIfMissing(KafkaClientConfig kafka, String topic) {
        try (Admin admin = Admin.create(kafka.adminProperties(ClientRules.of("the Schema Registry's store")
                .byDefault(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(READ_TIMEOUT.toMillis()))))) {
            if (admin.listTopics()
                    .names()
                    .get(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .contains(topic)) {
                TopicReadiness.awaitWritable(admin, List.of(topic), READ_TIMEOUT);
                return;
            }
            int brokers = admin.describeCluster()
                    .nodes()
                    .get(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .size();
            short replicationFactor = (short) Math.min(3, Math.max(1, brokers));
            NewTopic newTopic = new NewTopic(topic, 1, replicationFactor)
                    .configs(Map.of(
                            TopicConfig.CLEANUP_POLICY_CONFIG,
                            TopicConfig.CLEANUP_POLICY_COMPACT,
                            TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG,
                            Integer.toString(Math.max(1, replicationFactor - 1))));
            try {
                admin.createTopics(Set.of(newTopic)).all().get(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                LOG.info(
                        "Created schema topic {} (compacted, 1 partition, replication factor {})",
                        topic,
                        replicationFactor);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            TopicReadiness.awaitWritable(admin, List.of(topic), READ_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating schema topic " + topic, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    "Cannot create schema topic " + topic + " on " + kafka.bootstrapServers(), e);
        }
    }

    private void readToEnd() {
        Map<String, Object> props = kafka.consumerProperties(ClientRules.of("the Schema Registry's store")
                .enforce(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
                .enforce(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class)
                .enforce(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class)
                .byDefault(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .byDefault(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(READ_TIMEOUT.toMillis())));
        TopicPartition partition = new TopicPartition(topic, 0);
        int records = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (consumer.position(partition) < end) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Timed out reading schema topic " + topic + " up to offset " + end);
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    apply(record.key(), record.value());
                    records++;
                }
            }
        }
        LOG.info(
                "Read {} records from schema topic {}: {} schemas, {} subjects",
                records,
                topic,
                schemasById.size(),
                subjects.size());
    }

    private void apply(String keyJson, String valueJson) {
        JsonNode key;
        try {
            key = json.readTree(keyJson);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            LOG.warn("Skipping unreadable key in schema topic {}: {}", topic, keyJson);
            return;
        }
        String keyType = key.path("keytype").asText("");
        try {
            switch (keyType) {
                case "SCHEMA" -> applySchema(key, valueJson == null ? null : json.readTree(valueJson));
                case "CONFIG" -> applyConfig(key, valueJson == null ? null : json.readTree(valueJson));
                default -> LOG.debug("Ignoring record of key type '{}' in schema topic {}", keyType, topic);
            }
        } catch (JsonProcessingException e) {
            LOG.warn("Skipping unreadable value in schema topic {} for key {}", topic, keyJson);
        }
    }

    private void applySchema(JsonNode key, JsonNode value) {
        String subject = key.path("subject").asText();
        int version = key.path("version").asInt();
        if (value == null || value.isNull()) {
            // Not written by this store (it keeps purged versions), but honour tombstones from other tools.
            NavigableMap<Integer, Version> versions = subjects.get(subject);
            if (versions != null) {
                versions.remove(version);
            }
            return;
        }
        Version entry = new Version(
                subject,
                version,
                value.path("id").asInt(),
                value.path("schema").asText(),
                value.path("deleted").asBoolean(false),
                value.path("purged").asBoolean(false));
        String holder = schemasById.get(entry.id());
        if (holder != null && !holder.equals(entry.schema())) {
            // Same rule as on every read of the topic: the first schema given an id keeps it.
            LOG.error(
                    "Schema topic {} gives id {} to a second schema (subject {} version {}); ignoring that record, "
                            + "the first schema keeps the id",
                    topic,
                    entry.id(),
                    subject,
                    version);
            return;
        }
        subjects.computeIfAbsent(subject, s -> new TreeMap<>()).put(version, entry);
        schemasById.putIfAbsent(entry.id(), entry.schema());
        idsBySchema.putIfAbsent(entry.schema(), entry.id());
        maxId = Math.max(maxId, entry.id());
    }

    private void applyConfig(JsonNode key, JsonNode value) {
        JsonNode subjectNode = key.path("subject");
        String subject = subjectNode.isMissingNode() || subjectNode.isNull() ? null : subjectNode.asText();
        CompatibilityLevel level = value == null || value.isNull()
                ? null
                : CompatibilityLevel.parse(value.path("compatibilityLevel").asText());
        if (subject == null) {
            globalLevel = level == null ? CompatibilityLevel.BACKWARD : level;
        } else if (level == null) {
            subjectLevels.remove(subject);
        } else {
            subjectLevels.put(subject, level);
        }
    }

    /**
     * Writes a record and applies it. Callers first {@link #settlePending() settle} any earlier failed write,
     * since what they write (a new id, a version number) depends on it.
     */
    private void write(ObjectNode key, ObjectNode value) {
        if (pending != null) {
            throw new IllegalStateException("a failed write to " + topic + " is not settled");
        }
        String keyJson = key.toString();
        String valueJson = value == null ? null : value.toString();
        try {
            writer.write(keyJson, valueJson);
        } catch (RuntimeException e) {
            pending = new String[] {keyJson, valueJson};
            LOG.warn(
                    "Write to schema topic {} failed and may have reached it; it is written again before the next "
                            + "change: {}",
                    topic,
                    e.getMessage());
            throw e;
        }
        apply(keyJson, valueJson);
    }

    /**
     * Writes the record of an earlier failed write again, the same key and value, and applies it; throws (the
     * record still pending) when that fails too.
     */
    private void settlePending() {
        if (pending == null) {
            return;
        }
        writer.write(pending[0], pending[1]);
        LOG.info("Wrote the record of an earlier failed write to schema topic {} again: {}", topic, pending[0]);
        String[] settled = pending;
        pending = null;
        apply(settled[0], settled[1]);
    }

    private void send(String keyJson, String valueJson) {
        try {
            producer.send(new ProducerRecord<>(topic, 0, keyJson, valueJson))
                    .get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RegistryException.storeError("interrupted while writing to " + topic, e);
        } catch (ExecutionException e) {
            throw RegistryException.storeError("cannot write to " + topic + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw RegistryException.storeTimeout("writing to " + topic, e);
        }
    }

    private void writeVersion(Version version) {
        ObjectNode key = json.createObjectNode()
                .put("keytype", "SCHEMA")
                .put("subject", version.subject())
                .put("version", version.version())
                .put("magic", 1);
        ObjectNode value = json.createObjectNode()
                .put("subject", version.subject())
                .put("version", version.version())
                .put("id", version.id())
                .put("schema", version.schema())
                .put("deleted", version.deleted())
                .put("purged", version.purged());
        write(key, value);
    }

    private void writeConfig(String subject, CompatibilityLevel level) {
        ObjectNode key = json.createObjectNode().put("keytype", "CONFIG");
        if (subject == null) {
            key.putNull("subject");
        } else {
            key.put("subject", subject);
        }
        key.put("magic", 0);
        write(key, level == null ? null : json.createObjectNode().put("compatibilityLevel", level.name()));
    }

    // ---- schemas and subjects ----

    /**
     * Registers a schema under a subject, or returns the id it already has there.
     *
     * @return the schema's global id: the same for the same (normalised) schema in every subject
     * @throws RegistryException 409 if the schema is incompatible with the subject's live versions
     */
    synchronized int register(String subject, Schema schema) {
        settlePending();
        String canonical = canonical(schema);
        NavigableMap<Integer, Version> versions = subjects.getOrDefault(subject, new TreeMap<>());
        for (Version version : versions.values()) {
            if (version.live() && version.schema().equals(canonical)) {
                return version.id();
            }
        }
        List<Schema> live = liveSchemas(versions.values());
        List<String> problems = levelOf(subject).check(schema, live);
        if (!problems.isEmpty()) {
            throw RegistryException.incompatible(
                    "Schema being registered is incompatible with an earlier schema for subject '" + subject + "' ("
                            + levelOf(subject) + "): " + String.join("; ", problems));
        }
        int id = idsBySchema.getOrDefault(canonical, maxId + 1);
        int next = versions.isEmpty() ? 1 : versions.lastKey() + 1;
        writeVersion(new Version(subject, next, id, canonical, false, false));
        LOG.info("Registered schema id {} as version {} of subject {}", id, next, subject);
        return id;
    }

    /**
     * @return the subject's version holding this schema
     * @throws RegistryException 40401 if the subject has no live version, 40403 if none holds the schema
     */
    synchronized Version lookup(String subject, Schema schema, boolean includeDeleted) {
        NavigableMap<Integer, Version> versions = visibleVersions(subject, includeDeleted);
        String canonical = canonical(schema);
        for (Version version : versions.descendingMap().values()) {
            if (version.schema().equals(canonical)) {
                return version;
            }
        }
        throw RegistryException.schemaNotFound("not registered under subject '" + subject + "'");
    }

    synchronized Optional<String> schemaById(int id) {
        return Optional.ofNullable(schemasById.get(id));
    }

    /** @return the (subject, version) pairs, live or soft-deleted per {@code includeDeleted}, that use this id */
    synchronized List<Version> versionsOfId(int id, boolean includeDeleted) {
        List<Version> result = new ArrayList<>();
        for (NavigableMap<Integer, Version> versions : subjects.values()) {
            for (Version version : versions.values()) {
                if (version.id() == id && !version.purged() && (includeDeleted || !version.deleted())) {
                    result.add(version);
                }
            }
        }
        return result;
    }

    synchronized List<String> subjects(boolean includeDeleted) {
        List<String> result = new ArrayList<>();
        subjects.forEach((subject, versions) -> {
            if (versions.values().stream().anyMatch(v -> v.live() || (includeDeleted && !v.purged()))) {
                result.add(subject);
            }
        });
        return result;
    }

    synchronized List<Integer> versions(String subject, boolean includeDeleted) {
        return new ArrayList<>(visibleVersions(subject, includeDeleted).keySet());
    }

    /**
     * @param versionSpec a version number, {@code latest} or {@code -1}
     * @throws RegistryException 40401, 40402 or 42202
     */
    synchronized Version version(String subject, String versionSpec, boolean includeDeleted) {
        NavigableMap<Integer, Version> versions = visibleVersions(subject, includeDeleted);
        int number = parseVersion(versionSpec);
        if (number == -1) {
            return versions.lastEntry().getValue();
        }
        Version version = versions.get(number);
        if (version == null) {
            throw RegistryException.versionNotFound(subject, number);
        }
        return version;
    }

    /**
     * Deletes every version of a subject: soft (hidden, ids still resolvable) or, after a soft delete, permanent.
     *
     * @return the versions deleted
     */
    synchronized List<Integer> deleteSubject(String subject, boolean permanent) {
        settlePending();
        NavigableMap<Integer, Version> versions = subjects.get(subject);
        if (versions == null || versions.values().stream().allMatch(Version::purged)) {
            throw RegistryException.subjectNotFound(subject);
        }
        List<Integer> deleted = new ArrayList<>();
        if (permanent) {
            if (versions.values().stream().anyMatch(Version::live)) {
                throw RegistryException.subjectNotSoftDeleted(subject);
            }
            for (Version version : List.copyOf(versions.values())) {
                if (!version.purged()) {
                    writeVersion(new Version(subject, version.version(), version.id(), version.schema(), true, true));
                    deleted.add(version.version());
                }
            }
            if (subjectLevels.containsKey(subject)) {
                writeConfig(subject, null);
            }
        } else {
            if (versions.values().stream().noneMatch(Version::live)) {
                throw RegistryException.subjectNotFound(subject);
            }
            for (Version version : List.copyOf(versions.values())) {
                if (version.live()) {
                    writeVersion(new Version(subject, version.version(), version.id(), version.schema(), true, false));
                    deleted.add(version.version());
                }
            }
        }
        LOG.info("{} deleted subject {} versions {}", permanent ? "Permanently" : "Soft", subject, deleted);
        return deleted;
    }

    /** Deletes one version: soft, or permanent after a soft delete. */
    synchronized int deleteVersion(String subject, String versionSpec, boolean permanent) {
        settlePending();
        Version version = version(subject, versionSpec, permanent);
        if (permanent) {
            if (version.live()) {
                throw new RegistryException(
                        404,
                        40407,
                        "Subject '" + subject + "' Version " + version.version()
                                + " was not deleted first before being permanently deleted");
            }
            writeVersion(new Version(subject, version.version(), version.id(), version.schema(), true, true));
        } else {
            writeVersion(new Version(subject, version.version(), version.id(), version.schema(), true, false));
        }
        return version.version();
    }

    /**
     * Checks a schema against one version of a subject, or with {@code versionSpec == null} against the
     * versions the subject's level names (all for transitive levels, the latest otherwise).
     *
     * @return the reasons it is incompatible; empty when compatible
     */
    synchronized List<String> checkCompatibility(String subject, String versionSpec, Schema schema) {
        CompatibilityLevel level = levelOf(subject);
        if (versionSpec == null) {
            NavigableMap<Integer, Version> versions = subjects.getOrDefault(subject, new TreeMap<>());
            return level.check(schema, liveSchemas(versions.values()));
        }
        Version version = version(subject, versionSpec, false);
        return level.checkPair(schema, parse(version.schema()));
    }

    private NavigableMap<Integer, Version> visibleVersions(String subject, boolean includeDeleted) {
        NavigableMap<Integer, Version> all = subjects.get(subject);
        NavigableMap<Integer, Version> visible = new TreeMap<>();
        if (all != null) {
            all.forEach((number, version) -> {
                if (version.live() || (includeDeleted && !version.purged())) {
                    visible.put(number, version);
                }
            });
        }
        if (visible.isEmpty()) {
            throw RegistryException.subjectNotFound(subject);
        }
        return visible;
    }

    private static List<Schema> liveSchemas(Collection<Version> versions) {
        List<Schema> result = new ArrayList<>();
        for (Version version : versions) {
            if (version.live()) {
                result.add(parse(version.schema()));
            }
        }
        return result;
    }

    private static int parseVersion(String spec) {
        if ("latest".equalsIgnoreCase(spec) || "-1".equals(spec)) {
            return -1;
        }
        try {
            int number = Integer.parseInt(spec);
            if (number < 1) {
                throw RegistryException.invalidVersion(spec);
            }
            return number;
        } catch (NumberFormatException e) {
            throw RegistryException.invalidVersion(spec);
        }
    }

    // ---- compatibility settings ----

    synchronized CompatibilityLevel globalLevel() {
        return globalLevel;
    }

    synchronized void setGlobalLevel(CompatibilityLevel level) {
        settlePending();
        writeConfig(null, level);
    }

    synchronized Optional<CompatibilityLevel> subjectLevel(String subject) {
        return Optional.ofNullable(subjectLevels.get(subject));
    }

    synchronized void setSubjectLevel(String subject, CompatibilityLevel level) {
        settlePending();
        writeConfig(subject, level);
    }

    /** @return the level the subject had before the reset */
    synchronized CompatibilityLevel deleteSubjectLevel(String subject) {
        settlePending();
        CompatibilityLevel previous = subjectLevels.get(subject);
        if (previous == null) {
            throw RegistryException.subjectLevelConfigNotFound(subject);
        }
        writeConfig(subject, null);
        return previous;
    }

    private CompatibilityLevel levelOf(String subject) {
        return subjectLevels.getOrDefault(subject, globalLevel);
    }

    // ---- schema text ----

    /**
     * Parses an Avro schema.
     *
     * @throws RegistryException 42201 if the text is not a valid Avro schema
     */
    static Schema parse(String text) {
        if (text == null || text.isBlank()) {
            throw RegistryException.invalidSchema("empty schema", null);
        }
        try {
            return new Schema.Parser().parse(text);
        } catch (RuntimeException e) {
            throw RegistryException.invalidSchema(e.getMessage(), e);
        }
    }

    /**
     * The form schemas are compared and stored in: Avro's own JSON rendering of the parsed schema. Whitespace
     * and attribute order in the submitted text do not matter; docs, defaults, aliases and logical types do,
     * because they change how data is read.
     */
    static String canonical(Schema schema) {
        return schema.toString();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
