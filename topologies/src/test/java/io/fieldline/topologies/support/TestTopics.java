package io.fieldline.topologies.support;

import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.Topics;
import io.fieldline.schemas.registry.InMemorySchemaRegistryClient;

/** The production topic catalogue (Confluent wire-format Avro serdes) on an in-memory registry. */
public final class TestTopics {

    private TestTopics() {}

    public static Topics create() {
        return new Topics(TopicNames.defaults(), new InMemorySchemaRegistryClient());
    }
}
