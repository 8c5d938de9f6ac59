package io.fieldline.schemas.registry;

import java.util.List;
import org.apache.avro.Schema;

/**
 * A client of a registry speaking the Confluent Schema Registry REST API, limited to Avro schemas.
 *
 * <p>Schema ids are global: the same schema text registered under two subjects gets the same id.
 * Subjects follow the TopicNameStrategy in Fieldline ({@code <topic>-key}, {@code <topic>-value}).
 * Implementations are thread-safe and cache what cannot change (id to schema, subject and schema to id),
 * so calls on the serialization hot path do not reach the network after the first one.
 *
 * <p>Every method throws {@link SchemaRegistryException} (unchecked) when the registry answers with an
 * error or cannot be reached; its predicates tell not-found, incompatible, invalid and transient failures apart.
 *
 * @see HttpSchemaRegistryClient
 * @see InMemorySchemaRegistryClient
 */
public interface SchemaRegistryClient {

    /**
     * Registers a schema under a subject ({@code POST /subjects/{subject}/versions}), or returns the id it
     * already has. Registering the same schema again returns the same id and creates no new version.
     *
     * @return the global schema id
     * @throws SchemaRegistryException with {@link SchemaRegistryException#isIncompatible()} when the
     *                                 subject's compatibility level rejects it
     */
    int register(String subject, Schema schema);

    /**
     * The schema with a global id ({@code GET /schemas/ids/{id}}).
     *
     * @throws SchemaRegistryException with {@link SchemaRegistryException#isNotFound()} when the id is unknown
     */
    Schema getById(int id);

    /**
     * The id of a schema already registered under a subject ({@code POST /subjects/{subject}}), without
     * registering it.
     *
     * @throws SchemaRegistryException with {@link SchemaRegistryException#isNotFound()} when the subject
     *                                 does not exist or does not hold the schema
     */
    int lookup(String subject, Schema schema);

    /**
     * The latest version of a subject ({@code GET /subjects/{subject}/versions/latest}).
     *
     * @throws SchemaRegistryException with {@link SchemaRegistryException#isNotFound()} when the subject is unknown
     */
    SchemaVersion latest(String subject);

    /**
     * One version of a subject ({@code GET /subjects/{subject}/versions/{version}}).
     *
     * @throws SchemaRegistryException with {@link SchemaRegistryException#isNotFound()} when the subject
     *                                 or version is unknown
     */
    SchemaVersion version(String subject, int version);

    /** All subjects ({@code GET /subjects}). */
    List<String> subjects();

    /**
     * The version numbers of a subject, ascending ({@code GET /subjects/{subject}/versions}).
     *
     * @throws SchemaRegistryException with {@link SchemaRegistryException#isNotFound()} when the subject is unknown
     */
    List<Integer> versions(String subject);

    /**
     * Whether the schema could be registered under the subject given its compatibility level, checked
     * against the latest version ({@code POST /compatibility/subjects/{subject}/versions/latest}).
     * A subject with no versions accepts any schema.
     */
    boolean isCompatible(String subject, Schema schema);

    /**
     * The compatibility level in force ({@code GET /config} or {@code GET /config/{subject}}): for a
     * subject without its own level, the global one. One of {@code NONE}, {@code BACKWARD},
     * {@code BACKWARD_TRANSITIVE}, {@code FORWARD}, {@code FORWARD_TRANSITIVE}, {@code FULL},
     * {@code FULL_TRANSITIVE}.
     *
     * @param subjectOrNull a subject, or null for the global level
     */
    String compatibility(String subjectOrNull);

    /**
     * Sets the compatibility level ({@code PUT /config} or {@code PUT /config/{subject}}).
     *
     * @param subjectOrNull a subject, or null for the global level
     * @param level         one of the levels listed in {@link #compatibility(String)}
     * @throws SchemaRegistryException with {@link SchemaRegistryException#isInvalidSchema()} for an unknown level
     */
    void setCompatibility(String subjectOrNull, String level);

    /**
     * Deletes a subject and all its versions ({@code DELETE /subjects/{subject}}). Schema ids stay
     * resolvable by {@link #getById(int)}, so records already written can still be read.
     *
     * @return the deleted version numbers
     * @throws SchemaRegistryException with {@link SchemaRegistryException#isNotFound()} when the subject is unknown
     */
    List<Integer> deleteSubject(String subject);
}
