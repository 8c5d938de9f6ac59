package io.fieldline.schemas.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * A registry held in memory with the semantics of the Confluent registry: global ids starting at 1,
 * the same schema text always gets the same id, versions numbered per subject, compatibility checked with
 * Avro's own checker (level {@code BACKWARD} unless set otherwise), deleted subjects keep their ids resolvable.
 *
 * <p>For unit tests and {@code TopologyTestDriver} only: nothing is shared between JVMs or persisted,
 * so production code must use {@link HttpSchemaRegistryClient}. Thread-safe (coarse lock).
 */
public final class InMemorySchemaRegistryClient implements SchemaRegistryClient {

    private static final Set<String> LEVELS = Set.of(
            "NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE");

    private final Map<String, Integer> idsByText = new HashMap<>();
    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, List<Integer>> idsBySubject = new LinkedHashMap<>();
    private final Map<String, String> levelsBySubject = new HashMap<>();
    private String globalLevel = "BACKWARD";
    private int nextId = 1;

    /** An empty registry. */
    public InMemorySchemaRegistryClient() {}

    @Override
    public synchronized int register(String subject, Schema schema) {
        Objects.requireNonNull(subject, "subject");
        String text = schema.toString();
        List<Integer> versions = idsBySubject.get(subject);
        Integer existing = idsByText.get(text);
        if (existing != null && versions != null && versions.contains(existing)) {
            return existing;
        }
        if (!compatible(subject, schema)) {
            throw new SchemaRegistryException(
                    "Schema being registered is incompatible with an earlier schema for subject \"" + subject
                            + "\" under compatibility level " + compatibility(subject),
                    409,
                    SchemaRegistryException.INCOMPATIBLE_SCHEMA);
        }
        int id = existing != null ? existing : assign(text, schema);
        idsBySubject.computeIfAbsent(subject, s -> new ArrayList<>()).add(id);
        return id;
    }

    /**
     * Registers a schema under a subject with a chosen id, as a registry in import mode does.
     * Useful to pin ids in golden-byte tests or to mirror the ids of another registry.
     *
     * @throws SchemaRegistryException when the id is already taken by a different schema
     */
    public synchronized int register(String subject, Schema schema, int id) {
        String text = schema.toString();
        Schema taken = schemasById.get(id);
        if (taken != null && !taken.toString().equals(text)) {
            throw new SchemaRegistryException(
                    "id " + id + " already holds a different schema", 409, SchemaRegistryException.INCOMPATIBLE_SCHEMA);
        }
        idsByText.put(text, id);
        schemasById.put(id, schema);
        nextId = Math.max(nextId, id + 1);
        List<Integer> versions = idsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
        if (!versions.contains(id)) {
            versions.add(id);
        }
        return id;
    }

    private int assign(String text, Schema schema) {
        int id = nextId++;
        idsByText.put(text, id);
        schemasById.put(id, schema);
        return id;
    }

    @Override
    public synchronized Schema getById(int id) {
        Schema schema = schemasById.get(id);
        if (schema == null) {
            throw new SchemaRegistryException(
                    "Schema " + id + " not found", 404, SchemaRegistryException.SCHEMA_NOT_FOUND);
        }
        return schema;
    }

    @Override
    public synchronized int lookup(String subject, Schema schema) {
        List<Integer> versions = existingVersions(subject);
        Integer id = idsByText.get(schema.toString());
        if (id == null || !versions.contains(id)) {
            throw new SchemaRegistryException(
                    "Schema not found under subject " + subject, 404, SchemaRegistryException.SCHEMA_NOT_FOUND);
        }
        return id;
    }

    @Override
    public synchronized SchemaVersion latest(String subject) {
        List<Integer> versions = existingVersions(subject);
        return version(subject, versions.size());
    }

    @Override
    public synchronized SchemaVersion version(String subject, int version) {
        List<Integer> versions = existingVersions(subject);
        if (version < 1 || version > versions.size()) {
            throw new SchemaRegistryException(
                    "Version " + version + " not found for subject " + subject,
                    404,
                    SchemaRegistryException.VERSION_NOT_FOUND);
        }
        int id = versions.get(version - 1);
        return new SchemaVersion(subject, version, id, schemasById.get(id));
    }

    @Override
    public synchronized List<String> subjects() {
        return List.copyOf(idsBySubject.keySet());
    }

    @Override
    public synchronized List<Integer> versions(String subject) {
        int count = existingVersions(subject).size();
        List<Integer> numbers = new ArrayList<>(count);
        for (int v = 1; v <= count; v++) {
            numbers.add(v);
        }
        return List.copyOf(numbers);
    }

    @Override
    public synchronized boolean isCompatible(String subject, Schema schema) {
        return compatible(subject, schema);
    }

    @Override
    public synchronized String compatibility(String subjectOrNull) {
        return subjectOrNull == null ? globalLevel : levelsBySubject.getOrDefault(subjectOrNull, globalLevel);
    }

    @Override
    public synchronized void setCompatibility(String subjectOrNull, String level) {
        if (level == null || !LEVELS.contains(level)) {
            throw new SchemaRegistryException(
                    "Invalid compatibility level " + level, 422, SchemaRegistryException.INVALID_COMPATIBILITY_LEVEL);
        }
        if (subjectOrNull == null) {
            globalLevel = level;
        } else {
            levelsBySubject.put(subjectOrNull, level);
        }
    }

    @Override
    public synchronized List<Integer> deleteSubject(String subject) {
        List<Integer> deleted = versions(subject);
        idsBySubject.remove(subject);
        return deleted;
    }

    private List<Integer> existingVersions(String subject) {
        List<Integer> versions = idsBySubject.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw new SchemaRegistryException(
                    "Subject '" + subject + "' not found.", 404, SchemaRegistryException.SUBJECT_NOT_FOUND);
        }
        return versions;
    }

    private boolean compatible(String subject, Schema candidate) {
        List<Integer> versions = idsBySubject.get(subject);
        if (versions == null || versions.isEmpty()) {
            return true;
        }
        String level = compatibility(subject);
        List<Integer> against = level.endsWith("_TRANSITIVE") ? versions : List.of(versions.get(versions.size() - 1));
        for (int id : against) {
            Schema earlier = schemasById.get(id);
            boolean backward = canRead(candidate, earlier);
            boolean forward = canRead(earlier, candidate);
            boolean ok = switch (level) {
                case "NONE" -> true;
                case "BACKWARD", "BACKWARD_TRANSITIVE" -> backward;
                case "FORWARD", "FORWARD_TRANSITIVE" -> forward;
                default -> backward && forward;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean canRead(Schema reader, Schema writer) {
        return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer)
                        .getType()
                == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
    }
}
