package io.fieldline.app.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.fieldline.app.FieldlineCommand;
import io.fieldline.app.TopicProvisioner;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.DeadLetterHeaders;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.Topics;
import io.fieldline.schemas.avro.Kpi;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Source;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.topologies.StreamsSettingsConfig;
import io.fieldline.topologies.runtime.FieldlineStreams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code fieldline import csv} end to end on the embedded Kafka and Schema Registry: a small poultry file (two houses,
 * five days, a repeated row and a bad one) through the command line, the readings and KPI applications running on
 * their production builders, and the daily poultry KPIs read back from {@code telemetry.kpis}.
 */
@ExtendWith(EmbeddedStackExtension.class)
class CsvImportIT {

    /** Recent days, inside any broker retention; their topics keep records forever anyway. */
    private static final LocalDate DAY1 = LocalDate.now(ZoneOffset.UTC).minusDays(6);

    private final EmbeddedStack stack;

    CsvImportIT(EmbeddedStack stack) {
        this.stack = stack;
    }

    @Test
    void shouldImportDailyPoultryRowsIntoKpisSkippingDuplicatesAndDeadLetteringBadRows(@TempDir Path dir)
            throws Exception {
        String prefix = "csv-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        TopicNames names = new TopicNames(prefix);
        createTopics(names);
        Path file = dir.resolve("flock.csv");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "Date;Room;Birds;Deaths;Eggs Produced;Feed (kg);Avg Weight (kg);Temperature (°C);Notes",
                        day(1) + ";house-1;1000;5;900;110;1,50;21.5;",
                        day(1) + ";house-2;2000;10;1700;220;1,40;22;",
                        day(2) + ";house-1;995;3;880;112;1,55;21.4;",
                        day(2) + ";house-2;1990;4;1720;225;1,46;;",
                        day(2) + ";house-1;999;99;999;999;9,99;;re-upload of the same day", // line 6: duplicate
                        day(3) + ";house-1;992;2;870;115;1,61;;",
                        day(3) + ";house-2;1986;lots;1700;226;1,52;;", // line 8: rejected
                        day(4) + ";house-1;990;4;860;114;1,66;;",
                        day(4) + ";house-2;1980;6;1690;228;1,58;;",
                        day(5) + ";house-1;986;1;850;116;1,70;;",
                        day(5) + ";house-2;1975;5;1680;230;1,63;;",
                        ""),
                StandardCharsets.UTF_8);

        Topics topics = new Topics(
                names, new HttpSchemaRegistryClient(stack.schemaRegistry().url()));
        try (FieldlineStreams streams = new FieldlineStreams(
                streamsSettings(prefix, dir.resolve("state")),
                KafkaClientConfig.forBootstrapServers(stack.kafka().bootstrapServers()),
                topics,
                new SimpleMeterRegistry())) {
            streams.start();

            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine command = new CommandLine(new FieldlineCommand());
            command.setOut(new PrintWriter(out, true));
            command.setErr(new PrintWriter(err, true));
            int code = command.execute(
                    "import",
                    "csv",
                    file.toString(),
                    "--topic-prefix",
                    prefix,
                    "--bootstrap-servers",
                    stack.kafka().bootstrapServers(),
                    "--schema-registry-url",
                    stack.schemaRegistry().url());

            assertThat(code).as(err.toString()).isZero();
            assertThat(out.toString())
                    .contains(file + ": 11 rows read, 9 imported (48 readings; rooms house-1, house-2), "
                            + "1 skipped as duplicates, 1 rejected (to " + prefix + "deadletter.csv)")
                    .contains("rejected line 8: column 'Deaths' 'lots' is not a number");

            List<Reading> readings =
                    readAll(names.readings(), topics.readings().valueSerde().deserializer(), 48);
            assertThat(readings)
                    .hasSize(48)
                    .allSatisfy(r -> assertThat(r.getSource()).isEqualTo(Source.CSV));
            assertThat(readings)
                    .filteredOn(r -> r.getDeviceId().equals("csv-house-1")
                            && r.getSensor().equals("eggs_produced"))
                    .extracting(Reading::getValue)
                    .as("the repeated day-2 row of house-1 was skipped")
                    .containsExactly(900.0, 880.0, 870.0, 860.0, 850.0);

            // Windows close by stream time: the last two days stay open until later data comes.
            Map<String, Kpi> kpis = new HashMap<>();
            Deserializer<Kpi> kpiDeserializer = topics.kpis().valueSerde().deserializer();
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        for (Kpi kpi : readAll(names.kpis(), kpiDeserializer, 0)) {
                            kpis.put(kpi.getRoom() + "/" + dayOf(kpi) + "/" + kpi.getName(), kpi);
                        }
                        assertThat(kpis)
                                .containsKeys(
                                        "house-1/1/mortality_rate",
                                        "house-1/1/production_rate",
                                        "house-1/2/fcr",
                                        "house-1/2/mortality_rate",
                                        "house-1/2/production_rate",
                                        "house-1/3/fcr",
                                        "house-2/2/fcr",
                                        "house-2/2/production_rate");
                    });
            // Day 2 of house-1: feed 112 kg over a gain of 0.05 kg by 995 birds; 3 deaths of 1000 birds at the
            // start of the day; 880 eggs by 995 hens.
            assertThat(kpis.get("house-1/2/fcr").getValue()).isCloseTo(112 / (0.05 * 995), within(1e-6));
            assertThat(kpis.get("house-1/2/mortality_rate").getValue()).isCloseTo(0.3, within(1e-9));
            assertThat(kpis.get("house-1/2/production_rate").getValue()).isCloseTo(880.0 / 995 * 100, within(1e-9));
            assertThat(kpis.get("house-1/1/mortality_rate").getValue()).isCloseTo(0.5, within(1e-9));
            // Day 3 of house-2 was rejected: no KPI of it; days 4 and 5 are still open.
            assertThat(kpis).doesNotContainKeys("house-2/3/mortality_rate", "house-2/3/fcr", "house-1/4/fcr");
        }

        List<ConsumerRecord<byte[], byte[]>> deadLetters = readRaw(names.deadLetters("csv"), 1);
        assertThat(deadLetters).hasSize(1);
        ConsumerRecord<byte[], byte[]> deadLetter = deadLetters.get(0);
        assertThat(header(deadLetter, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("8");
        assertThat(header(deadLetter, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(file.toString());
        assertThat(header(deadLetter, DeadLetterHeaders.STAGE)).isEqualTo("csv");
        assertThat(header(deadLetter, DeadLetterHeaders.REASON))
                .isEqualTo("line 8: column 'Deaths' 'lots' is not a number");
        assertThat(new String(deadLetter.value(), StandardCharsets.UTF_8)).startsWith(day(3) + ";house-2;1986;lots");

        // A file older than what the readings topic holds is imported, with a warning that its windows have closed.
        Path older = dir.resolve("older.csv");
        Files.writeString(older, "date,room,eggs\n" + DAY1.minusDays(3) + ",house-1,800\n", StandardCharsets.UTF_8);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(new FieldlineCommand());
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        int code = command.execute(
                "import",
                "csv",
                older.toString(),
                "--topic-prefix",
                prefix,
                "--bootstrap-servers",
                stack.kafka().bootstrapServers(),
                "--schema-registry-url",
                stack.schemaRegistry().url());
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("1 rows read, 1 imported");
        assertThat(err.toString())
                .contains("warning: " + names.readings() + " already holds readings up to " + day(5) + "T12:00:00Z")
                .contains("make no aggregate and no KPI");
    }

    private static String day(int n) {
        return DAY1.plusDays(n - 1).toString();
    }

    private static long dayOf(Kpi kpi) {
        return kpi.getWindowStart().atZone(ZoneOffset.UTC).toLocalDate().toEpochDay() - DAY1.toEpochDay() + 1;
    }

    private static StreamsSettingsConfig streamsSettings(String prefix, Path stateDir) {
        return new StreamsSettingsConfig(Map.of(
                StreamsSettingsConfig.APPLICATION_ID_PREFIX, "it-" + prefix.replace(".", ""),
                StreamsSettingsConfig.APPLICATIONS, "readings,kpis",
                StreamsSettingsConfig.STATE_DIR, stateDir.toString(),
                StreamsSettingsConfig.AGGREGATE_GRACE_MS, "1000",
                StreamsSettingsConfig.KPI_GRACE_MS, "1000",
                StreamsSettingsConfig.COMMIT_INTERVAL_MS, "100"));
    }

    /** Every topic of the contract under the prefix, one partition each, kept forever. */
    private void createTopics(TopicNames names) throws Exception {
        try (Admin admin = Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()))) {
            List<NewTopic> topics = new ArrayList<>();
            for (NewTopic topic : new TopicProvisioner(names, 1, (short) 1).topics()) {
                Map<String, String> configs = new HashMap<>(topic.configs() == null ? Map.of() : topic.configs());
                configs.put(TopicConfig.RETENTION_MS_CONFIG, "-1");
                topics.add(new NewTopic(topic.name(), 1, (short) 1).configs(configs));
            }
            admin.createTopics(topics).all().get();
        }
    }

    private <T> List<T> readAll(String topic, Deserializer<T> deserializer, int atLeast) {
        List<T> values = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : readRaw(topic, atLeast)) {
            values.add(deserializer.deserialize(topic, record.headers(), record.value()));
        }
        return values;
    }

    /** The topic's committed records from the start, waiting until there are at least {@code atLeast}. */
    private List<ConsumerRecord<byte[], byte[]>> readRaw(String topic, int atLeast) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        stack.kafka().bootstrapServers(),
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                long end = consumer.endOffsets(List.of(partition)).get(partition);
                if (records.size() >= atLeast && consumer.position(partition) >= end) {
                    break;
                }
            }
            return records;
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
