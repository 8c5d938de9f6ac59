package io.fieldline.topologies.runtime;

import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.Topics;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.topologies.StreamsSettingsConfig;
import java.time.Duration;
import java.util.Map;

/**
 * One Streams instance in its own JVM, so that {@link FieldlineStreamsIT} can kill it
 * ({@code kill -9}) in the middle of a transaction. Prints {@value #READY} once running, then
 * runs until killed.
 *
 * <p>Arguments: bootstrap servers, registry URL, topic prefix, run id, state directory.
 */
public final class StreamsInstanceMain {

    static final String READY = "FIELDLINE-STREAMS-RUNNING";

    private StreamsInstanceMain() {}

    public static void main(String[] args) throws Exception {
        Topics topics = new Topics(new TopicNames(args[2]), new HttpSchemaRegistryClient(args[1]));
        StreamsSettingsConfig settings = FieldlineStreamsIT.settings(args[3], java.nio.file.Path.of(args[4]));
        Map<String, Object> overrides = FieldlineStreamsIT.overrides();
        FieldlineStreams streams =
                new FieldlineStreams(settings, KafkaClientConfig.forBootstrapServers(args[0]), topics, null, overrides);
        streams.start();
        streams.awaitRunning(Duration.ofSeconds(60));
        System.out.println(READY);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
