package io.fieldline.app;

import io.fieldline.core.kafka.ClientRules;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fieldline tail TOPIC}: prints a topic's records as JSON lines, one per record. Avro
 * values in the Confluent wire format are decoded through the registry; anything else (dead
 * letters) is printed as UTF-8 text when it is text, base64 otherwise, with the headers.
 */
@Command(
        name = "tail",
        mixinStandardHelpOptions = true,
        description = "Print the records of a topic as JSON lines (Avro decoded through the Schema Registry).")
public final class TailCommand implements Callable<Integer> {

    @Parameters(paramLabel = "TOPIC", description = "The topic to read.")
    String topic;

    @Option(names = "--from-beginning", description = "Start at the earliest offset instead of the end.")
    boolean fromBeginning;

    @Option(
            names = {"-n", "--max"},
            paramLabel = "N",
            defaultValue = "0",
            description = "Stop after N records (0: no limit).")
    long max;

    @Option(
            names = "--idle",
            paramLabel = "SECONDS",
            defaultValue = "0",
            description = "Stop after this long without a record (0: wait for ever).")
    long idleSeconds;

    @Mixin
    EndpointOptions endpoints;

    @Mixin
    ConfigOptions config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        // The kafka.* block (TLS, SASL, kafka.consumer.*) from --config, FIELDLINE_* and --set; the
        // cluster from --bootstrap-servers, the configuration, or the servers fieldline up started.
        Map<String, String> settings = config.load();
        KafkaClientConfig kafka = endpoints.kafka(settings);
        HttpSchemaRegistryClient registry = endpoints.schemaRegistry(settings);
        Map<String, Object> props = kafka.consumerProperties(ClientRules.of("fieldline tail")
                .enforce(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
                .byDefault(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .byDefault(ConsumerConfig.CLIENT_ID_CONFIG, "fieldline-tail"));
        try (KafkaConsumer<byte[], byte[]> consumer =
                        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                Deserializer<GenericRecord> avro =
                        AvroSerdes.generic(registry, false).deserializer()) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            if (partitions.isEmpty()) {
                spec.commandLine().getErr().println("No such topic: " + topic);
                return 1;
            }
            consumer.assign(partitions);
            if (fromBeginning) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
            }
            long printed = 0;
            long lastRecord = System.nanoTime();
            while (max == 0 || printed < max) {
                var records = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    out.println(RecordJson.line(record, avro));
                    lastRecord = System.nanoTime();
                    if (++printed == max) {
                        break;
                    }
                }
                if (idleSeconds > 0
                        && System.nanoTime() - lastRecord
                                > Duration.ofSeconds(idleSeconds).toNanos()) {
                    break;
                }
            }
            out.flush();
            return 0;
        }
    }
}
