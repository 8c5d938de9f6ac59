package io.fieldline.bridge.mqtt.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the benchmark on the embedded servers. Not a timed test and not part of the normal run:
 * {@code mvn -pl bridge -am verify -Dit.test=MqttBridgeBenchmarkIT -Dfieldline.bench=true
 * [-Dfieldline.bench.messages=100000] [-Dfieldline.bench.shared=false] [-Dfieldline.bench.mode=BACKLOG]
 * [-Dfieldline.bench.bridge.mqtt.kafka.linger.ms=0] ...}.
 */
@ExtendWith(EmbeddedStackExtension.class)
@EnabledIfSystemProperty(named = "fieldline.bench", matches = "true")
class MqttBridgeBenchmarkIT {

    @Test
    void shouldMeasureBridgeThroughputAgainstAPlainSubscriber(EmbeddedStack stack) throws Exception {
        int messages = Integer.getInteger("fieldline.bench.messages", 50_000);
        Map<String, Object> bridgeSettings = new HashMap<>();
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("fieldline.bench.bridge."))
                .forEach(k -> bridgeSettings.put(k.substring("fieldline.bench.bridge.".length()), System.getProperty(k)));
        MqttBridgeBenchmark.Settings settings = new MqttBridgeBenchmark.Settings(stack.mqtt().url(),
                stack.kafka().bootstrapServers(), messages, 4, 100, 6,
                Boolean.parseBoolean(System.getProperty("fieldline.bench.shared", "true")),
                MqttBridgeBenchmark.Mode.valueOf(System.getProperty("fieldline.bench.mode", "LIVE")), bridgeSettings);

        MqttBridgeBenchmark.Result result = new MqttBridgeBenchmark(settings,
                AvroSerdes.specific(Reading.class, new HttpSchemaRegistryClient(stack.schemaRegistry().url()), false)
                        .serializer()).run();

        System.out.println("MQTT BRIDGE BENCHMARK " + settings.mode() + " shared=" + settings.shared() + " " + bridgeSettings + ": " + result);
        assertThat(result.readings()).isGreaterThanOrEqualTo(messages);
    }
}
