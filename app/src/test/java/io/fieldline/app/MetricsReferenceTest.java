package io.fieldline.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.app.MetricsReference.Metric;
import io.fieldline.app.MetricsReference.Type;
import io.fieldline.bridge.can.CanFramePublisher;
import io.fieldline.bridge.can.CanReadingMapper;
import io.fieldline.bridge.can.SignalMapping;
import io.fieldline.bridge.ingress.IngressPublisher;
import io.fieldline.bridge.ingress.IngressSettings;
import io.fieldline.bridge.mqtt.MqttBridge;
import io.fieldline.bridge.mqtt.MqttBridgeConfig;
import io.fieldline.can.dbc.DbcParser;
import io.fieldline.can.decode.DbcDecoder;
import io.fieldline.connectors.cdc.ChangeEventRouter;
import io.fieldline.connectors.cdc.DevicePlacement;
import io.fieldline.connectors.cdc.MetadataSerializers;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.Topics;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.InMemorySchemaRegistryClient;
import io.fieldline.sink.PostgresSinkService;
import io.fieldline.sink.SinkMeters;
import io.fieldline.sink.SinkStream;
import io.fieldline.sink.internal.worker.SinkMetrics;
import io.fieldline.topologies.runtime.DeadLetterHandler;
import io.fieldline.topologies.runtime.ProcessingDeadLetterHandler;
import io.fieldline.topologies.runtime.ProductionDeadLetterHandler;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.SerializationExceptionOrigin;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/**
 * docs/metrics.md is generated from {@link MetricsReference}; the catalog is checked against the meters the modules
 * really register (each registering class built here without servers, on a {@link SimpleMeterRegistry}), against
 * the meter names written as literals anywhere in the main code, and its Prometheus names against a real
 * {@link PrometheusMeterRegistry}'s scrape.
 */
class MetricsReferenceTest {

    /**
     * Catalogued meters that no class here registers without a server: each is registered when Kafka acknowledged
     * something (a reading, a dead letter, a published change).
     */
    private static final Set<String> REGISTERED_ONLY_WITH_SERVERS = Set.of(
            MqttBridge.METER_READINGS_WRITTEN,
            MqttBridge.METER_DEAD_LETTERS,
            IngressPublisher.METER_DEAD_LETTERS,
            io.fieldline.connectors.cdc.MetadataCdc.METER_CHANGES);

    private static final String NO_BROKER = "127.0.0.1:9";

    private final Map<String, Metric> catalog =
            MetricsReference.catalog().stream().collect(Collectors.toMap(Metric::name, Function.identity()));

    @Test
    void shouldKeepDocsMetricsInSyncWithTheCatalog() throws IOException {
        Path docs = Path.of("..", "docs", "metrics.md");
        assertThat(Files.readString(docs, StandardCharsets.UTF_8))
                .as("docs/metrics.md is generated: regenerate with ./fieldline config metrics -o docs/metrics.md")
                .isEqualTo(MetricsReference.markdown());
    }

    @Test
    void shouldNameEveryMetricOnceAndByTheConventions() {
        List<Metric> all = Stream.concat(
                        MetricsReference.catalog().stream(), MetricsReference.developerBuild().stream())
                .toList();
        assertThat(all).extracting(Metric::name).doesNotHaveDuplicates();
        assertThat(all).extracting(Metric::prometheusName).doesNotHaveDuplicates();
        assertThat(MetricsReference.catalog()).allSatisfy(m -> {
            assertThat(m.name()).startsWith("fieldline.").doesNotStartWith("fieldline.embedded.");
            assertThat(m.component()).isIn(MetricsReference.components());
        });
        assertThat(MetricsReference.developerBuild())
                .allSatisfy(m -> assertThat(m.name()).startsWith("fieldline.embedded."));
        assertThat(all).allSatisfy(m -> {
            assertThat(m.name()).as("lower case, dot-separated").matches("[a-z][a-z0-9]*(\\.[a-z0-9]+)*");
            assertThat(m.prometheusName()).matches("[a-z_][a-z0-9_]*");
            assertThat(m.tags()).allSatisfy(t -> assertThat(t).matches("[a-z][a-z0-9]*(\\.[a-z0-9]+)*"));
            assertThat(m.description()).isNotBlank();
            switch (m.type()) {
                case COUNTER -> assertThat(m.prometheusName()).endsWith("_total");
                case TIMER, LONG_TASK_TIMER -> assertThat(m.prometheusName()).endsWith("_seconds");
                default -> assertThat(m.prometheusName()).doesNotEndWith("_total");
            }
            if (m.baseUnit() != null) {
                assertThat(m.prometheusName()).contains("_" + m.baseUnit());
            }
        });
        assertThat(catalog.get(SinkMeters.RECORDS).prometheusName()).isEqualTo("fieldline_sink_records_total");
        assertThat(catalog.get(SinkMeters.BATCH_DURATION).prometheusSeries())
                .containsExactly(
                        "fieldline_sink_batch_duration_seconds_bucket",
                        "fieldline_sink_batch_duration_seconds_count",
                        "fieldline_sink_batch_duration_seconds_sum",
                        "fieldline_sink_batch_duration_seconds_max");
        assertThat(catalog.get("fieldline.consumer.lag").prometheusName()).isEqualTo("fieldline_consumer_lag_records");
    }

    @Test
    void shouldGiveThePrometheusNamesAPrometheusRegistryExposes() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        List<Metric> all = Stream.concat(
                        MetricsReference.catalog().stream(), MetricsReference.developerBuild().stream())
                .toList();
        for (Metric m : all) {
            List<Tag> tags = m.tags().stream().map(t -> Tag.of(t, "x")).toList();
            switch (m.type()) {
                case COUNTER ->
                    Counter.builder(m.name()).baseUnit(m.baseUnit()).tags(tags).register(prometheus);
                case GAUGE ->
                    Gauge.builder(m.name(), () -> 1)
                            .baseUnit(m.baseUnit())
                            .tags(tags)
                            .register(prometheus);
                case TIMER -> {
                    Timer.Builder timer = Timer.builder(m.name()).tags(tags);
                    if (MetricsReference.HISTOGRAMS.contains(m.name())) {
                        timer.serviceLevelObjectives(java.time.Duration.ofMillis(5));
                    }
                    timer.register(prometheus);
                }
                case LONG_TASK_TIMER ->
                    LongTaskTimer.builder(m.name()).tags(tags).register(prometheus);
                case DISTRIBUTION_SUMMARY -> {
                    DistributionSummary.Builder summary = DistributionSummary.builder(m.name())
                            .baseUnit(m.baseUnit())
                            .tags(tags);
                    if (MetricsReference.HISTOGRAMS.contains(m.name())) {
                        summary.serviceLevelObjectives(1);
                    }
                    summary.register(prometheus);
                }
            }
        }
        Set<String> scraped = prometheus
                .scrape()
                .lines()
                .filter(line -> !line.startsWith("#") && !line.isBlank())
                .map(line -> line.split("[{ ]", 2)[0])
                .collect(Collectors.toSet());
        Set<String> documented =
                all.stream().flatMap(m -> m.prometheusSeries().stream()).collect(Collectors.toCollection(TreeSet::new));
        assertThat(scraped).containsExactlyInAnyOrderElementsOf(documented);
    }

    @Test
    void shouldNameKafkaBinderFamiliesAsTheBinderExportsThem() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (Producer<byte[], byte[]> producer = producer();
                KafkaClientMetrics binding = new KafkaClientMetrics(producer)) {
            binding.bindTo(prometheus);
            assertThat(prometheus.scrape())
                    .contains(
                            MetricsReference.kafkaBinderName("producer-metrics", "record-retry-total") + "{",
                            MetricsReference.kafkaBinderName("producer-metrics", "record-error-total") + "{")
                    .contains("kafka_producer_record_retry_total{");
            producer.close(Duration.ZERO);
        }
        assertThat(MetricsReference.kafkaBinderName("consumer-fetch-manager-metrics", "records-lag"))
                .isEqualTo("kafka_consumer_fetch_manager_records_lag");
        assertThat(MetricsReference.kafkaBinderName(MetricsReference.STREAMS_COUNTER_GROUP, "late-readings-total"))
                .isEqualTo("kafka_stream_fieldline_late_readings_total");
    }

    @Test
    void shouldCatalogEveryMeterTheSinkWorkersRegister() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        SinkMetrics metrics = new SinkMetrics(meters, PostgresSinkService.SINK, SinkStream.MEASUREMENTS.configName());
        metrics.rowsWritten("measurement", 1);
        metrics.duplicatesSkipped("measurement", 1);
        metrics.conflictsSkipped("measurement", 1);
        metrics.deadLettered(SinkMeters.REASON_UNDECODABLE, 1);
        metrics.deadLettered(SinkMeters.REASON_REJECTED, 1);
        metrics.batchDuration().record(Duration.ofMillis(3));

        assertCatalogued(meters);
        assertComponentRegistered(MetricsReference.SINK, meters);
        assertThat(tagValues(meters, SinkMeters.DEAD_LETTERS, "reason"))
                .containsExactlyInAnyOrder(SinkMeters.REASON_UNDECODABLE, SinkMeters.REASON_REJECTED);
    }

    @Test
    void shouldCatalogEveryMeterTheBridgesAndTheirPublishersRegister() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Serializer<Reading> unused = (topic, reading) -> new byte[0];
        try (MqttBridge bridge = new MqttBridge(
                        new MqttBridgeConfig(Map.of("kafka.bootstrap.servers", NO_BROKER)),
                        TopicNames.defaults(),
                        unused,
                        meters);
                IngressPublisher mqttPublisher = new IngressPublisher(
                        IngressSettings.of(MqttBridge.STAGE, NO_BROKER), TopicNames.defaults(), unused, meters);
                IngressPublisher canPublisher = new IngressPublisher(
                        IngressSettings.of(CanFramePublisher.STAGE, NO_BROKER),
                        TopicNames.defaults(),
                        unused,
                        meters)) {
            new CanFramePublisher(
                    new CanReadingMapper(
                            DbcDecoder.compile(DbcParser.parse(
                                    "BU_: A\nBO_ 1 M: 1 A\n SG_ T : 0|8@1+ (1,0) [0|0] \"C\" A\n", "test")),
                            SignalMapping.defaults(),
                            false,
                            false),
                    canPublisher,
                    new Topics(TopicNames.defaults(), new InMemorySchemaRegistryClient()),
                    false,
                    true,
                    meters,
                    Clock.systemUTC());

            assertThat(bridge.state()).isEqualTo(MqttBridge.State.NEW);
            assertCatalogued(meters);
            assertComponentRegistered(MetricsReference.MQTT_BRIDGE, meters);
            assertComponentRegistered(MetricsReference.CAN_BRIDGE, meters);
            assertComponentRegistered(MetricsReference.INGRESS, meters);
            assertThat(tagValues(meters, CanFramePublisher.METER_DEAD_LETTERS, "reason"))
                    .containsExactlyInAnyOrderElementsOf(CanFramePublisher.DEAD_LETTER_REASONS);
            mqttPublisher.close(Duration.ZERO);
            canPublisher.close(Duration.ZERO);
        }
    }

    @Test
    void shouldCatalogTheStreamsDeadLetterCounterOfEveryHandler() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Map<String, Object> configs = Map.of(
                StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG,
                "deadletter.streams",
                DeadLetterHandler.METER_REGISTRY_CONFIG,
                meters);
        DeadLetterHandler deserialization = new DeadLetterHandler();
        deserialization.configure(configs);
        ProcessingDeadLetterHandler processing = new ProcessingDeadLetterHandler();
        processing.configure(configs);
        ProductionDeadLetterHandler production = new ProductionDeadLetterHandler();
        production.configure(configs);

        deserialization.handleError(
                context(),
                new ConsumerRecord<>("telemetry.readings", 0, 7L, new byte[0], new byte[0]),
                new SerializationException("not avro"));
        processing.handleError(context(), new Record<>("dev-1", "reading", 1_000L), new IllegalStateException("bug"));
        production.handleSerializationError(
                context(),
                new ProducerRecord<>("telemetry.alerts", new byte[0]),
                new SerializationException("null in a non-null field"),
                SerializationExceptionOrigin.VALUE);

        assertCatalogued(meters);
        assertComponentRegistered(MetricsReference.STREAMS, meters);
        assertThat(tagValues(meters, DeadLetterHandler.COUNTER, "reason"))
                .containsExactlyInAnyOrder(
                        DeadLetterHandler.REASON_DESERIALIZATION,
                        DeadLetterHandler.REASON_PROCESSING,
                        DeadLetterHandler.REASON_SERIALIZATION);
    }

    @Test
    void shouldCatalogEveryMeterTheCdcPublisherRegisters() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        // The change consumer is package-private: built through its constructor, with a real (unconnected) producer.
        Class<?> type = Class.forName("io.fieldline.connectors.cdc.KafkaChangePublisher");
        Constructor<?> constructor = type.getDeclaredConstructor(
                ChangeEventRouter.class,
                MetadataSerializers.class,
                Producer.class,
                TopicNames.class,
                MeterRegistry.class,
                Duration.class,
                Clock.class);
        constructor.setAccessible(true);
        try (Producer<byte[], byte[]> producer = producer();
                MetadataSerializers serializers = MetadataSerializers.avro(new InMemorySchemaRegistryClient())) {
            constructor.newInstance(
                    new ChangeEventRouter("public", TopicNames.defaults(), (room, rack) -> DevicePlacement.NOWHERE),
                    serializers,
                    producer,
                    TopicNames.defaults(),
                    meters,
                    Duration.ofSeconds(1),
                    Clock.systemUTC());
            producer.close(Duration.ZERO);
        }

        assertCatalogued(meters);
        assertComponentRegistered(MetricsReference.CDC, meters);
        assertThat(tagValues(meters, io.fieldline.connectors.cdc.MetadataCdc.METER_DEAD_LETTERS, "reason"))
                .containsExactlyInAnyOrder(
                        io.fieldline.connectors.cdc.MetadataCdc.REASON_INVALID_ROW,
                        io.fieldline.connectors.cdc.MetadataCdc.REASON_UNCONVERTIBLE);
    }

    /**
     * Meters registered with a literal name anywhere in the main code (the service's among them), and meters that
     * main code looks up by a literal name (summaries, the developer build, benchmarks), are all catalogued: a
     * renamed meter cannot leave a reader counting nothing.
     */
    @Test
    void shouldCatalogEveryMeterNameWrittenAsALiteralInTheMainCode() throws IOException {
        Pattern registered = Pattern.compile("(?:Counter|FunctionCounter|Gauge|TimeGauge|Timer|FunctionTimer"
                + "|DistributionSummary|LongTaskTimer)\\.builder\\(\\s*\"(fieldline\\.[^\"]+)\"");
        Pattern lookedUp = Pattern.compile("(?:\\.find|\\.get|\\.counter|\\.gauge|\\.timer|\\.summary|count)"
                + "\\((?:[^;\"]*?,\\s*)?\"(fieldline\\.[^\"]+)\"");
        Set<String> known = Stream.concat(
                        MetricsReference.catalog().stream(), MetricsReference.developerBuild().stream())
                .map(Metric::name)
                .collect(Collectors.toSet());
        Map<String, List<String>> unknown = new HashMap<>();
        int scanned = 0;
        for (Path source : mainSources()) {
            String text = Files.readString(source, StandardCharsets.UTF_8);
            scanned++;
            for (Pattern pattern : List.of(registered, lookedUp)) {
                Matcher m = pattern.matcher(text);
                while (m.find()) {
                    if (!known.contains(m.group(1))) {
                        unknown.computeIfAbsent(m.group(1), k -> new ArrayList<>())
                                .add(source.toString());
                    }
                }
            }
        }
        assertThat(scanned).isGreaterThan(100);
        assertThat(unknown)
                .as("meter names in the main code that MetricsReference does not list (add them, or fix the reader)")
                .isEmpty();
    }

    /** The Java sources of every module's src/main (product, developer build, benchmarks). */
    private static List<Path> mainSources() throws IOException {
        List<Path> sources = new ArrayList<>();
        Files.walkFileTree(Path.of(".."), new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
                String name = String.valueOf(dir.getFileName());
                return name.equals("target") || name.startsWith(".") && !name.equals("..")
                        ? FileVisitResult.SKIP_SUBTREE
                        : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                String path = file.toString().replace('\\', '/');
                if (path.endsWith(".java") && path.contains("/src/main/java/")) {
                    sources.add(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return sources;
    }

    /** Every fieldline.* meter of the registry is in the catalog, with its type, unit and tag keys. */
    private void assertCatalogued(MeterRegistry meters) {
        List<Meter.Id> ids = meters.getMeters().stream()
                .map(Meter::getId)
                .filter(id -> id.getName().startsWith("fieldline."))
                // The simple registry shows a histogram's buckets as gauges of their own, <name>.histogram.
                .filter(id -> !(id.getName().endsWith(".histogram")
                        && MetricsReference.HISTOGRAMS.contains(
                                id.getName().substring(0, id.getName().length() - ".histogram".length()))))
                .toList();
        assertThat(ids).isNotEmpty();
        for (Meter.Id id : ids) {
            Metric metric = catalog.get(id.getName());
            assertThat(metric)
                    .as("%s is registered but not in MetricsReference", id.getName())
                    .isNotNull();
            assertThat(metric.type())
                    .as("type of %s", id.getName())
                    .isEqualTo(Type.valueOf(id.getType().name()));
            assertThat(metric.baseUnit()).as("base unit of %s", id.getName()).isEqualTo(id.getBaseUnit());
            assertThat(id.getTags())
                    .as("tags of %s", id.getName())
                    .extracting(Tag::getKey)
                    .containsExactlyInAnyOrderElementsOf(metric.tags());
        }
    }

    /** Every catalogued meter of the component was registered, except those only servers make appear. */
    private static void assertComponentRegistered(String component, MeterRegistry meters) {
        Set<String> registered =
                meters.getMeters().stream().map(m -> m.getId().getName()).collect(Collectors.toSet());
        Set<String> missing = MetricsReference.catalog().stream()
                .filter(m -> m.component().equals(component))
                .map(Metric::name)
                .filter(name -> !registered.contains(name))
                .collect(Collectors.toCollection(LinkedHashSet::new));
        assertThat(REGISTERED_ONLY_WITH_SERVERS)
                .as("catalogued meters of %s that its code did not register", component)
                .containsAll(missing);
    }

    private static Set<String> tagValues(MeterRegistry meters, String name, String key) {
        return meters.find(name).meters().stream()
                .map(m -> m.getId().getTag(key))
                .collect(Collectors.toSet());
    }

    private static Producer<byte[], byte[]> producer() {
        return new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, NO_BROKER, ProducerConfig.CLIENT_ID_CONFIG, "metrics"),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    /** Where a failed record came from, as Streams hands it to the exception handlers. */
    private static ErrorHandlerContext context() {
        return new ErrorHandlerContext() {
            @Override
            public String topic() {
                return "telemetry.readings";
            }

            @Override
            public int partition() {
                return 0;
            }

            @Override
            public long offset() {
                return 7;
            }

            @Override
            public Headers headers() {
                return new RecordHeaders();
            }

            @Override
            public String processorNodeId() {
                return "enricher";
            }

            @Override
            public TaskId taskId() {
                return new TaskId(0, 0);
            }

            @Override
            public long timestamp() {
                return 1_000L;
            }

            @Override
            public byte[] sourceRawKey() {
                return new byte[0];
            }

            @Override
            public byte[] sourceRawValue() {
                return new byte[0];
            }
        };
    }
}
