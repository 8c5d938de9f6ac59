package io.fieldline.bench.mqtt;

import io.fieldline.bridge.mqtt.MqttBridgeConfig;
import io.fieldline.bridge.mqtt.decode.DecodeContext;
import io.fieldline.bridge.mqtt.decode.DecodeResult;
import io.fieldline.bridge.mqtt.decode.JsonReadingDecoder;
import io.fieldline.bridge.mqtt.route.RouteMatch;
import io.fieldline.bridge.mqtt.route.Router;
import io.fieldline.bridge.mqtt.route.UnroutableMessageException;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.InMemorySchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import io.fieldline.simulator.DeviceModel;
import io.fieldline.simulator.FleetModel;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.Serializer;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The MQTT bridge worker's own work per message, on one thread, without Kafka: route the topic,
 * decode the simulator's JSON (7.5 readings per message on average) and serialize each reading to
 * the Confluent wire format. Messages/s is the score; readings/s is the {@code readings} counter.
 * {@code decode} is the JSON decoder alone, {@code routeDecodeSerialize} what a worker does before
 * handing the records to the Kafka producer.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MqttMessageBenchmark {

    private static final int MESSAGES = 1000;

    /** Counts readings per iteration; JMH reports them per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Readings {
        public long readings;

        @Setup(Level.Iteration)
        public void reset() {
            readings = 0;
        }
    }

    private final JsonReadingDecoder decoder = new JsonReadingDecoder();
    private Router router;
    private Serializer<Reading> serializer;
    private String[] topics;
    private byte[][] payloads;
    private DecodeContext[] contexts;
    private int next;

    @Setup
    public void setUp() throws UnroutableMessageException {
        MqttBridgeConfig config = new MqttBridgeConfig(Map.of(
                MqttBridgeConfig.ROUTES,
                MqttBridgeConfig.PRESET_TELEMETRY,
                // never connected to: the benchmark decodes only
                KafkaClientConfig.BOOTSTRAP_SERVERS,
                "localhost:9092"));
        router = new Router(config.routes());
        serializer = AvroSerdes.specific(Reading.class, new InMemorySchemaRegistryClient(), false)
                .serializer();
        List<DeviceModel> devices = new FleetModel(100, 7, 0).devices();
        Instant start = Instant.parse("2026-11-01T00:00:00Z");
        topics = new String[MESSAGES];
        payloads = new byte[MESSAGES][];
        contexts = new DecodeContext[MESSAGES];
        for (int k = 0; k < MESSAGES; k++) {
            DeviceModel device = devices.get(k % devices.size());
            topics[k] = FleetModel.topic("", device);
            payloads[k] = FleetModel.json(device.sample(start.plusSeconds(k)));
            contexts[k] = router.match(topics[k]).orElseThrow().context(start);
        }
    }

    @Benchmark
    public DecodeResult decode(Readings counter) {
        int k = next();
        DecodeResult result = decoder.decode(payloads[k], contexts[k]);
        counter.readings += ((DecodeResult.Decoded) result).readings().size();
        return result;
    }

    @Benchmark
    public void routeDecodeSerialize(Readings counter, Blackhole sink) throws UnroutableMessageException {
        int k = next();
        RouteMatch match = router.match(topics[k]).orElseThrow();
        DecodeContext context = match.context(Instant.now());
        List<Reading> readings = ((DecodeResult.Decoded) decoder.decode(payloads[k], context)).readings();
        for (Reading reading : readings) {
            sink.consume(serializer.serialize("telemetry.readings", reading));
        }
        counter.readings += readings.size();
    }

    private int next() {
        int k = next;
        next = k + 1 == MESSAGES ? 0 : k + 1;
        return k;
    }
}
