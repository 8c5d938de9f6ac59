package io.fieldline.bridge.can;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.bridge.ingress.IngressPublisher;
import io.fieldline.can.candump.CandumpParser;
import io.fieldline.can.decode.DbcDecoder;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.DeadLetterHeaders;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Source;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import io.fieldline.simulator.can.DemoCandumpLog;
import io.fieldline.testing.KafkaTopics;
import io.fieldline.testing.TestNames;
import io.fieldline.testing.TopicTail;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Replays candump logs into the real embedded Kafka and reads back every record. */
@ExtendWith(EmbeddedStackExtension.class)
class CanReplayIT {

    private final EmbeddedStack stack;

    CanReplayIT(EmbeddedStack stack) {
        this.stack = stack;
    }

    @Test
    void shouldReplayACandumpLogIntoKafkaWithEverySignalValue() throws Exception {
        TopicNames names = topics();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        CanBridgeConfig config = new CanBridgeConfig(Map.of(
                CanBridgeConfig.DBC_FILE, "classpath:dbc/decode-fixture.dbc",
                CanBridgeConfig.REPLAY_FILE, "classpath:candump/fixture.log",
                CanBridgeConfig.REPLAY_SPEED, "max",
                CanBridgeConfig.FRAMES_PUBLISH, "true",
                CanBridgeConfig.UNKNOWN_DEADLETTER, "true"));

        try (CanBridgeService service = new CanBridgeService(
                stack.kafka().clientConfig(), stack.schemaRegistry().url(), names, config, meters)) {
            service.start();
            assertThat(service.awaitCompletion(Duration.ofSeconds(60))).isTrue();
            assertThat(service.failure()).isNull();
            assertThat(service.counts()).isEqualTo(new CanFramePublisher.Counts(10, 7, 1, 1, 0, 1, 0, 32, 1, 3, 0));
        }

        List<ConsumerRecord<String, Reading>> records = consume(names.readings(), readingDeserializer(), 32);
        Map<String, Double> values = new HashMap<>();
        Map<String, String> labels = new HashMap<>();
        for (ConsumerRecord<String, Reading> r : records) {
            Reading reading = r.value();
            assertThat(r.key()).isEqualTo(reading.getDeviceId());
            assertThat(r.timestamp()).isEqualTo(reading.getEventTime().toEpochMilli());
            assertThat(reading.getSource()).isEqualTo(Source.CAN);
            String id = reading.getDeviceId() + "/" + reading.getSensor();
            assertThat(values.put(id, reading.getValue()))
                    .as("duplicate %s", id)
                    .isNull();
            if (reading.getAttributes().containsKey("label")) {
                labels.put(id, reading.getAttributes().get("label"));
            }
        }
        // The values worked out by hand in MessageDecoderTest, now through Avro and Kafka.
        Map<String, Double> expected = new HashMap<>();
        expected.putAll(Map.of(
                "can0-Climate/Temperature",
                -12.34,
                "can0-Climate/Humidity",
                61.5,
                "can0-Climate/Co2",
                1200.0,
                "can0-Climate/Counter",
                10.0,
                "can0-Climate/Flag",
                1.0,
                "can0-Climate/FanState",
                2.0,
                "can0-Climate/Pressure",
                112.30000000000001,
                "can0-Climate/Nibble",
                -3.0));
        expected.putAll(Map.of(
                "can0-Climate/Speed",
                466.0,
                "can0-Climate/Odd",
                693.0,
                "can0-Climate/SignedMoto",
                -150.0,
                "can0-Climate/Wide",
                -1000000.0,
                "can0-Climate/FloatLe",
                21.5,
                "can0-Climate/FloatBe",
                -0.10000000149011612));
        expected.putAll(Map.of(
                "can0-Feeder/Page",
                1.0,
                "can0-Feeder/WaterFlow",
                123.45,
                "can0-Feeder/Always",
                7.0,
                "can0-Feeder/FeedRate",
                100.0,
                "can0-Feeder/EngineSpeed",
                1000.0,
                "can0-Feeder/Mode",
                1.0,
                "can0-Feeder/SubMode",
                1.0,
                "can0-Feeder/SubA",
                -1.5,
                "can0-Feeder/Tail",
                1.0));
        expected.putAll(Map.of(
                "can0-Gateway/FdFirst",
                165.0,
                "can0-Gateway/FdIntelCross",
                703710.0,
                "can0-Gateway/FdMoto64",
                -8.19855292164869E16,
                "can0-Gateway/FdMotoCross",
                -123456.789,
                "can0-Gateway/FdWide64",
                1.8364758544493064E19,
                "can0-Gateway/FdLast",
                12.0));
        expected.putAll(
                Map.of("can1-Climate/Temperature", -12.34, "can1-Climate/Humidity", 61.5, "can1-Climate/Co2", 1200.0));
        assertThat(values).isEqualTo(expected);
        assertThat(labels)
                .isEqualTo(Map.of(
                        "can0-Climate/FanState",
                        "High",
                        "can0-Climate/Nibble",
                        "MinusTwo",
                        "can0-Feeder/Page",
                        "Water"));
        Reading temperature = records.stream()
                .map(ConsumerRecord::value)
                .filter(r ->
                        r.getSensor().equals("Temperature") && r.getDeviceId().equals("can0-Climate"))
                .findFirst()
                .orElseThrow();
        assertThat(temperature.getEventTime()).isEqualTo(Instant.parse("2023-11-14T22:13:20.000Z"));
        assertThat(temperature.getUnit()).isEqualTo("degC");
        assertThat(temperature.getAttributes())
                .containsEntry("can.id", "100")
                .containsEntry("can.message", "IntelBasic");

        List<ConsumerRecord<String, io.fieldline.schemas.avro.CanFrame>> frames = consume(
                names.canFrames(),
                AvroSerdes.specific(
                                io.fieldline.schemas.avro.CanFrame.class,
                                new HttpSchemaRegistryClient(
                                        stack.schemaRegistry().url()),
                                false)
                        .deserializer(),
                10);
        ConsumerRecord<String, io.fieldline.schemas.avro.CanFrame> fd = frames.stream()
                .filter(f -> f.key().equals("can0/600"))
                .findFirst()
                .orElseThrow();
        assertThat(fd.value().getFd()).isTrue();
        assertThat(fd.value().getFdFlags()).isEqualTo(1);
        assertThat(fd.value().getData().remaining()).isEqualTo(64);
        assertThat(frames).extracting(ConsumerRecord::key).contains("can0/18FEF1FE", "can0/7AB", "can1/100");

        List<ConsumerRecord<String, byte[]>> dead = consume(names.deadLetters("can"), new ByteArrayDeserializer(), 3);
        Map<String, String> reasonByLine = new HashMap<>();
        for (ConsumerRecord<String, byte[]> d : dead) {
            assertThat(TopicTail.header(d, DeadLetterHeaders.STAGE)).isEqualTo("can");
            assertThat(TopicTail.header(d, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo("fixture.log");
            reasonByLine.put(
                    TopicTail.header(d, DeadLetterHeaders.SOURCE_OFFSET),
                    TopicTail.header(d, DeadLetterHeaders.REASON));
        }
        assertThat(reasonByLine).containsOnlyKeys("8", "9", "10");
        assertThat(reasonByLine.get("8")).contains("expected 'iface id#data'");
        assertThat(reasonByLine.get("9")).contains("unknown CAN id 7AB on can0");
        assertThat(reasonByLine.get("10")).contains("expected multiplexer id 0, 1 or 2, but got 3");
        assertThat(new String(
                        dead.stream()
                                .filter(d -> TopicTail.header(d, DeadLetterHeaders.SOURCE_OFFSET)
                                        .equals("8"))
                                .findFirst()
                                .orElseThrow()
                                .value(),
                        StandardCharsets.UTF_8))
                .isEqualTo("this is not a candump line");

        assertThat(meters.counter("fieldline.can.frames", "outcome", "decoded").count())
                .isEqualTo(7.0);
        assertThat(meters.counter("fieldline.can.signals").count()).isEqualTo(32.0);
        assertThat(meters.counter("fieldline.can.deadletters", "reason", "malformed")
                        .count())
                .isEqualTo(1.0);
        // Sent through the shared ingress publisher, whose meters carry source=can: 32 readings and 10 raw frames,
        // 3 dead letters.
        assertThat(meters.get(IngressPublisher.METER_SENT)
                        .tag("source", "can")
                        .counter()
                        .count())
                .isEqualTo(42.0);
        assertThat(meters.get(IngressPublisher.METER_DEAD_LETTERS).tag("source", "can").counters().stream()
                        .mapToDouble(c -> c.count())
                        .sum())
                .isEqualTo(3.0);
    }

    @Test
    void shouldReplayTheBundledDemoLogWithShiftedTimestamps() throws Exception {
        TopicNames names = topics();
        CanReadingMapper reference = new CanReadingMapper(
                DbcDecoder.compile(DemoCandumpLog.demoDbc()), SignalMapping.defaults(), true, true);
        int[] expected = {0};
        for (String line : DemoCandumpLog.lines()) {
            reference.map(CandumpParser.parse(line), Instant.now(), r -> expected[0]++);
        }
        CanBridgeConfig config = new CanBridgeConfig(
                Map.of(CanBridgeConfig.REPLAY_SPEED, "max", CanBridgeConfig.REPLAY_TIMESTAMPS, "shifted"));
        Instant before = Instant.now();

        try (CanBridgeService service = new CanBridgeService(
                stack.kafka().clientConfig(), stack.schemaRegistry().url(), names, config, new SimpleMeterRegistry())) {
            service.start();
            assertThat(service.awaitCompletion(Duration.ofSeconds(60))).isTrue();
            assertThat(service.counts().signals()).isEqualTo(expected[0]);
            assertThat(service.counts().deadLetters()).isZero();
        }

        List<ConsumerRecord<String, Reading>> records = consume(names.readings(), readingDeserializer(), expected[0]);
        assertThat(records)
                .allSatisfy(r -> assertThat(r.value().getEventTime())
                        .isBetween(before.minusSeconds(1), before.plus(Duration.ofMinutes(3))));
    }

    @Test
    void shouldReadCandumpConsoleLinesFromStdin() throws Exception {
        TopicNames names = topics();
        CanBridgeConfig config = new CanBridgeConfig(
                Map.of(CanBridgeConfig.INPUT, "stdin", CanBridgeConfig.DBC_FILE, "classpath:dbc/decode-fixture.dbc"));
        // The console format: no timestamps, so the readings carry the time of receipt.
        String console = "  can0  18FEF1FE   [8]  64 00 00 40 1F 00 00 00\n  can0  100   [3]  remote request\n"
                // A sender whose clock says 2100: dead-lettered, not published.
                + "(4102444800.000000) can0 18FEF1FE#640000401F000000\n";
        Instant before = Instant.now();

        try (CanBridgeService service = new CanBridgeService(
                stack.kafka().clientConfig(), stack.schemaRegistry().url(), names, config, new SimpleMeterRegistry())) {
            service.stdin(new java.io.ByteArrayInputStream(console.getBytes(StandardCharsets.US_ASCII)));
            service.start();
            assertThat(service.awaitCompletion(Duration.ofSeconds(60))).isTrue();
            assertThat(service.counts().remote()).isEqualTo(1);
            assertThat(service.counts().futureTimes()).isEqualTo(1);
        }
        List<ConsumerRecord<String, byte[]>> dead = consume(names.deadLetters("can"), new ByteArrayDeserializer(), 1);
        assertThat(TopicTail.header(dead.get(0), DeadLetterHeaders.REASON))
                .startsWith(
                        "frame timestamp is in the future: 2100-01-01T00:00:00Z is more than 300 s after the frame was received");
        assertThat(TopicTail.header(dead.get(0), DeadLetterHeaders.SOURCE_OFFSET))
                .isEqualTo("3");

        List<ConsumerRecord<String, Reading>> records = consume(names.readings(), readingDeserializer(), 2);
        assertThat(records)
                .extracting(r -> r.value().getSensor() + "=" + r.value().getValue())
                .containsExactly("FeedRate=100.0", "EngineSpeed=1000.0");
        assertThat(records)
                .allSatisfy(r -> assertThat(r.value().getEventTime())
                        .isAfterOrEqualTo(before.truncatedTo(java.time.temporal.ChronoUnit.MILLIS)));
    }

    @Test
    void shouldDeadLetterAnOverlongTcpLineCutAndKeepTheInputRunning() throws Exception {
        TopicNames names = topics();
        CanBridgeConfig config = new CanBridgeConfig(Map.of(
                CanBridgeConfig.INPUT,
                "tcp",
                CanBridgeConfig.TCP_PORT,
                "0",
                CanBridgeConfig.DBC_FILE,
                "classpath:dbc/decode-fixture.dbc",
                "can.line.max.length",
                "256"));
        // Over the producer's and the broker's 1 MB record limit: whole, its dead letter would be refused,
        // and a refused record stops the input.
        String flood = "x".repeat(2 * 1024 * 1024);

        try (CanBridgeService service = new CanBridgeService(
                        stack.kafka().clientConfig(),
                        stack.schemaRegistry().url(),
                        names,
                        config,
                        new SimpleMeterRegistry());
                java.net.Socket sender = new java.net.Socket()) {
            service.start();
            sender.connect(new java.net.InetSocketAddress("127.0.0.1", service.tcpPort()));
            java.io.OutputStream out = sender.getOutputStream();
            out.write(("can0 " + flood + "\n").getBytes(StandardCharsets.US_ASCII));
            out.write("  can0  18FEF1FE   [8]  64 00 00 40 1F 00 00 00\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();

            List<ConsumerRecord<String, Reading>> records = consume(names.readings(), readingDeserializer(), 2);
            assertThat(records).extracting(r -> r.value().getSensor()).containsExactly("FeedRate", "EngineSpeed");
            assertThat(service.counts().malformedLines()).isEqualTo(1);
            assertThat(service.counts().sendFailures()).isZero();
        }
        List<ConsumerRecord<String, byte[]>> dead = consume(names.deadLetters("can"), new ByteArrayDeserializer(), 1);
        assertThat(TopicTail.header(dead.get(0), DeadLetterHeaders.REASON))
                .isEqualTo("line is 2097157 characters long, more "
                        + "than the 256 accepted (can.line.max.length); only its first 256 are kept");
        assertThat(new String(dead.get(0).value(), StandardCharsets.US_ASCII))
                .isEqualTo(("can0 " + flood).substring(0, 256));
    }

    private TopicNames topics() {
        TopicNames names = TestNames.topicNames("canit");
        // The fixture log keeps its 2023 timestamps: with the default seven-day retention the broker's
        // retention check (30 s after it starts, then every 5 minutes) would delete the records before
        // the test reads them back.
        KafkaTopics.createMissing(
                stack.kafka().bootstrapServers(),
                1,
                KafkaTopics.KEEP_FOREVER,
                names.readings(),
                names.canFrames(),
                names.deadLetters("can"));
        return names;
    }

    private Deserializer<Reading> readingDeserializer() {
        return AvroSerdes.specific(
                        Reading.class,
                        new HttpSchemaRegistryClient(stack.schemaRegistry().url()),
                        false)
                .deserializer();
    }

    private <V> List<ConsumerRecord<String, V>> consume(String topic, Deserializer<V> values, int count) {
        try (TopicTail<String, V> tail =
                new TopicTail<>(stack.kafka().bootstrapServers(), topic, new StringDeserializer(), values)) {
            List<ConsumerRecord<String, V>> out = tail.awaitCount(count, Duration.ofSeconds(60));
            assertThat(out).as("nothing more than expected arrives").hasSize(count);
            return out;
        }
    }
}
