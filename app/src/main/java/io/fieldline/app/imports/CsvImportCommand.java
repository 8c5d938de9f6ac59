package io.fieldline.app.imports;

import io.fieldline.app.AppConfig;
import io.fieldline.app.ConfigOptions;
import io.fieldline.app.ConfigReference;
import io.fieldline.app.EndpointOptions;
import io.fieldline.app.can.ReplayRetention;
import io.fieldline.app.imports.CsvRowDecoder.Decoded;
import io.fieldline.app.imports.CsvRowDecoder.Rejected;
import io.fieldline.app.imports.CsvRowDecoder.Row;
import io.fieldline.bridge.ingress.IngressFailedException;
import io.fieldline.bridge.ingress.IngressPublisher;
import io.fieldline.bridge.ingress.IngressSettings;
import io.fieldline.bridge.ingress.Origin;
import io.fieldline.core.kafka.ClientRules;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.core.kafka.TopicReadiness;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.topologies.StreamsSettingsConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fieldline import csv FILE...}: daily farm data (the uploads of the systems Fieldline replaces) into
 * {@code telemetry.readings}, through the one ingress publisher, source {@code csv}. Rows that cannot be imported go
 * to {@code deadletter.csv} with the reason and their line number; rows repeating a (room, time) already imported in
 * this run are skipped. The readings then take the pipeline's path: enrichment, one-minute aggregates and the daily
 * poultry KPIs (FCR, mortality, production rate) on {@code telemetry.kpis}.
 */
@Command(
        name = "csv",
        mixinStandardHelpOptions = true,
        description = "Import CSV files of daily (or timed) farm data into Kafka: one Reading per metric value.")
public final class CsvImportCommand implements Callable<Integer> {

    /** The dead-letter stage, and the ingress source: {@code deadletter.csv}. */
    public static final String STAGE = "csv";

    /** Rows whose acknowledgement is awaited at once; the oldest is waited for beyond that. */
    private static final int MAX_PENDING_ROWS = 2_000;
    /** Rejected rows listed in the summary; the rest are counted. */
    private static final int MAX_LISTED_REJECTIONS = 20;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "CSV files with a header row.")
    List<Path> files;

    @Option(
            names = "--room",
            paramLabel = "ROOM",
            description = "The room of every row of a file without a room column (default: the file name without "
                    + "its extension).")
    String room;

    @Option(names = "--site", paramLabel = "FACILITY", description = "The facility (site) of the readings.")
    String site;

    @Option(
            names = "--zone",
            paramLabel = "ZONE",
            description = "Time zone of the dates and of times without an offset (default: streams.kpi.day.zone, "
                    + "so that a date is the KPIs' day).")
    ZoneId zone;

    @Option(
            names = "--date-format",
            paramLabel = "PATTERN",
            description = "Pattern of the date column (java.time, for example dd/MM/yyyy or dd.MM.yyyy HH:mm); "
                    + "default: yyyy-MM-dd, yyyy/MM/dd or an ISO date-time.")
    String dateFormat;

    @Option(
            names = "--delimiter",
            paramLabel = "CHAR",
            description = "Field delimiter (default: the one of , ; or TAB the header row uses most).")
    String delimiter;

    @Option(
            names = "--topic-prefix",
            paramLabel = "PREFIX",
            description = "Topic name prefix (default: the topics.prefix configuration key).")
    String topicPrefix;

    @Option(names = "--no-progress", description = "No progress bar, even on a terminal.")
    boolean noProgress;

    @Mixin
    EndpointOptions endpoints;

    @Mixin
    ConfigOptions configOptions;

    @Spec
    CommandSpec spec;

    /** What one file gave. */
    static final class FileSummary {
        final Path file;
        final String defaultRoom;
        long rows;
        long imported;
        long readings;
        long duplicates;
        long rejected;
        final List<String> rejections = new ArrayList<>();
        final Set<String> rooms = new java.util.TreeSet<>();

        FileSummary(Path file, String defaultRoom) {
            this.file = file;
            this.defaultRoom = defaultRoom;
        }
    }

    /** A file looked at before anything is sent: its layout, rows and earliest time. */
    private record Plan(Path file, char delimiter, List<String> header, CsvLayout layout, long rows, Instant first) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, String> config = configOptions.load();
        List<String> problems = ConfigReference.check(config);
        if (!problems.isEmpty()) {
            throw new ConfigException(String.join("; ", problems));
        }
        ZoneId dayZone = zone != null
                ? zone
                : ZoneId.of(new StreamsSettingsConfig(config).getString(StreamsSettingsConfig.KPI_DAY_ZONE));
        DateTimeFormatter format = dateFormat == null ? null : DateTimeFormatter.ofPattern(dateFormat);

        // Look at every file first: a file that cannot be imported at all stops the command before anything is sent.
        List<Plan> plans = new ArrayList<>();
        for (Path file : files) {
            if (!Files.isReadable(file)) {
                err.println("cannot read " + file);
                return 2;
            }
            try {
                plans.add(plan(file, dayZone, format));
            } catch (CsvImportException e) {
                err.println(file + ": " + e.getMessage());
                return 2;
            }
        }

        TopicNames names = new TopicNames(
                topicPrefix != null ? topicPrefix : new AppConfig(config).getString(AppConfig.TOPICS_PREFIX));
        KafkaClientConfig kafka = endpoints.kafka(config);
        Instant first = plans.stream()
                .map(Plan::first)
                .filter(java.util.Objects::nonNull)
                .min(Instant::compareTo)
                .orElse(null);
        try (Admin admin = Admin.create(kafka.adminProperties(ClientRules.of("import csv")
                .byDefault(AdminClientConfig.CLIENT_ID_CONFIG, "fieldline-import-csv-admin")))) {
            createMissingTopics(admin, names, out);
            if (first != null) {
                warnAboutRetention(admin, names, first, err);
                warnAboutLateRows(admin, names, first, config, err);
            }
        }

        Map<String, Object> producer = kafka.producerProperties(ClientRules.of("import csv")
                .enforce(ProducerConfig.ACKS_CONFIG, "all")
                .enforce(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .byDefault(ProducerConfig.CLIENT_ID_CONFIG, "fieldline-import-csv")
                .enforce(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5)
                .byDefault(ProducerConfig.LINGER_MS_CONFIG, 20)
                .byDefault(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"));
        IngressSettings settings = IngressSettings.fromProducerProperties(STAGE, kafka.bootstrapServers(), producer);
        boolean progress = !noProgress && System.console() != null;
        Set<String> seen = new HashSet<>();
        List<FileSummary> summaries = new ArrayList<>();
        try (IngressPublisher publisher = IngressPublisher.withSchemaRegistry(
                settings, names, endpoints.schemaRegistry(config), new SimpleMeterRegistry())) {
            for (Plan plan : plans) {
                FileSummary summary = new FileSummary(plan.file(), room != null ? room : defaultRoom(plan.file()));
                summaries.add(summary);
                CsvRowDecoder decoder = new CsvRowDecoder(
                        plan.layout(), plan.header(), dayZone, format, summary.defaultRoom, site, Clock.systemUTC());
                ImportProgress bar = progress
                        ? new ImportProgress(err, plan.file().getFileName().toString(), plan.rows())
                        : null;
                publish(plan, decoder, publisher, seen, summary, bar);
                if (bar != null) {
                    bar.done();
                }
            }
            publisher.flush();
        } catch (IngressFailedException | CompletionException e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            err.println("import failed: " + cause.getMessage());
            summaries.forEach(s -> print(s, names, out));
            return 1;
        }
        summaries.forEach(s -> print(s, names, out));
        return 0;
    }

    /** Sends one file's rows; waits for Kafka's acknowledgement of each before it returns. */
    private static void publish(
            Plan plan,
            CsvRowDecoder decoder,
            IngressPublisher publisher,
            Set<String> seen,
            FileSummary summary,
            ImportProgress bar)
            throws IOException {
        Deque<CompletableFuture<IngressPublisher.Outcome>> pending = new ArrayDeque<>();
        String source = plan.file().toString();
        CSVFormat csv = format(plan.delimiter());
        try (Reader reader = Files.newBufferedReader(plan.file(), StandardCharsets.UTF_8);
                CSVParser parser =
                        CSVParser.builder().setReader(reader).setFormat(csv).get()) {
            boolean header = true;
            for (CSVRecord record : parser) {
                if (header) {
                    header = false;
                    continue;
                }
                summary.rows++;
                List<String> cells = record.toList();
                long line = startLine(cells, parser.getCurrentLineNumber());
                Decoded decoded = decoder.decode(cells);
                if (decoded instanceof Row row && !seen.add(row.room() + '\u0000' + row.eventTime())) {
                    summary.duplicates++;
                } else {
                    IngressPublisher.Batch batch = publisher.batch(Origin.line(
                            source, line, () -> csv.format(cells.toArray()).getBytes(StandardCharsets.UTF_8)));
                    if (decoded instanceof Row row) {
                        for (Reading reading : row.readings()) {
                            batch.reading(reading);
                        }
                        summary.imported++;
                        summary.readings += row.readings().size();
                        summary.rooms.add(row.room());
                    } else {
                        String reason = ((Rejected) decoded).reason();
                        batch.deadLetter("rejected", "line " + line + ": " + reason, null);
                        summary.rejected++;
                        if (summary.rejections.size() < MAX_LISTED_REJECTIONS) {
                            summary.rejections.add("line " + line + ": " + reason);
                        }
                    }
                    pending.add(batch.seal());
                    while (pending.size() > MAX_PENDING_ROWS) {
                        pending.poll().join();
                    }
                }
                if (bar != null) {
                    bar.step();
                }
            }
        }
        while (!pending.isEmpty()) {
            pending.poll().join();
        }
    }

    /**
     * The line a record starts on: the parser's line count once it has read the record (its last line, whether or
     * not a line break ends it), less the line breaks inside its quoted values. Empty lines before it are not counted
     * as its start.
     */
    static long startLine(List<String> cells, long endLine) {
        long breaks = 0;
        for (String cell : cells) {
            for (int i = 0; i < cell.length(); i++) {
                char c = cell.charAt(i);
                if (c == '\n' || (c == '\r' && (i + 1 == cell.length() || cell.charAt(i + 1) != '\n'))) {
                    breaks++;
                }
            }
        }
        return endLine - breaks;
    }

    /** Reads a file once: its header's layout, how many rows, and its earliest row time. */
    private Plan plan(Path file, ZoneId dayZone, DateTimeFormatter format) throws IOException {
        char separator = delimiter != null ? delimiter(delimiter) : detectDelimiter(file);
        CSVFormat csv = format(separator);
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                CSVParser parser =
                        CSVParser.builder().setReader(reader).setFormat(csv).get()) {
            List<String> header = null;
            CsvRowDecoder decoder = null;
            long rows = 0;
            Instant first = null;
            for (CSVRecord record : parser) {
                if (header == null) {
                    header = record.toList();
                    decoder = new CsvRowDecoder(
                            CsvLayout.of(header), header, dayZone, format, "-", null, Clock.systemUTC());
                    continue;
                }
                rows++;
                Instant time = decoder.timeOf(record.toList());
                if (time != null && (first == null || time.isBefore(first))) {
                    first = time;
                }
            }
            if (header == null) {
                throw new CsvImportException("empty file: no header row");
            }
            return new Plan(file, separator, header, CsvLayout.of(header), rows, first);
        }
    }

    static CSVFormat format(char delimiter) {
        return CSVFormat.DEFAULT
                .builder()
                .setDelimiter(delimiter)
                .setIgnoreEmptyLines(true)
                .setIgnoreSurroundingSpaces(true)
                .get();
    }

    /** The one of {@code , ; TAB} the first line holds most of (outside quotes); a comma when none. */
    static char detectDelimiter(Path file) throws IOException {
        String first;
        try (var reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            first = reader.readLine();
        }
        return detectDelimiter(first == null ? "" : first);
    }

    static char detectDelimiter(String line) {
        int commas = 0;
        int semicolons = 0;
        int tabs = 0;
        boolean quoted = false;
        for (char c : line.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && c == ',') {
                commas++;
            } else if (!quoted && c == ';') {
                semicolons++;
            } else if (!quoted && c == '\t') {
                tabs++;
            }
        }
        if (semicolons > commas && semicolons >= tabs) {
            return ';';
        }
        return tabs > commas ? '\t' : ',';
    }

    private char delimiter(String option) {
        if ("TAB".equalsIgnoreCase(option) || "\\t".equals(option)) {
            return '\t';
        }
        if (option.length() != 1) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--delimiter takes one character or TAB, got '" + option + "'");
        }
        return option.charAt(0);
    }

    /** The room of a file without a room column: its name without the extension. */
    static String defaultRoom(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static void print(FileSummary s, TopicNames names, PrintWriter out) {
        out.printf(
                "%s: %d rows read, %d imported (%d readings; rooms %s), %d skipped as duplicates, %d rejected%s%n",
                s.file,
                s.rows,
                s.imported,
                s.readings,
                s.rooms.isEmpty() ? "none" : String.join(", ", s.rooms),
                s.duplicates,
                s.rejected,
                s.rejected > 0 ? " (to " + names.deadLetters(STAGE) + ")" : "");
        s.rejections.forEach(r -> out.println("  rejected " + r));
        if (s.rejected > s.rejections.size()) {
            out.println("  ... and " + (s.rejected - s.rejections.size()) + " more rejected rows");
        }
        out.flush();
    }

    /** The broker creates no topics on demand: make the ones the import writes, if absent. */
    private static void createMissingTopics(Admin admin, TopicNames names, PrintWriter out) throws Exception {
        Set<String> existing = admin.listTopics().names().get();
        List<String> topics = List.of(names.readings(), names.deadLetters(STAGE));
        List<NewTopic> missing = new ArrayList<>();
        for (String topic : topics) {
            if (!existing.contains(topic)) {
                missing.add(new NewTopic(topic, java.util.Optional.empty(), java.util.Optional.empty()));
            }
        }
        if (!missing.isEmpty()) {
            admin.createTopics(missing).all().get();
            out.println("created topics " + missing.stream().map(NewTopic::name).toList());
        }
        TopicReadiness.awaitWritable(admin, topics, Duration.ofSeconds(60));
    }

    /** Kafka's time-based retention counts from the record times: old dates may be deleted before they are read. */
    private static void warnAboutRetention(Admin admin, TopicNames names, Instant first, PrintWriter err)
            throws Exception {
        ReplayRetention.retentionMs(admin, List.of(names.readings()))
                .forEach((topic, retention) -> ReplayRetention.warning(
                                "the file",
                                "Raise the topic's retention.ms first (see docs/topics.md).",
                                topic,
                                retention,
                                first,
                                Instant.now())
                        .ifPresent(err::println));
    }

    /**
     * The windows of the readings application close by the stream time of each partition: rows older than what a
     * partition already holds (minus the grace) are late there, and make no aggregate and no KPI.
     */
    private static void warnAboutLateRows(
            Admin admin, TopicNames names, Instant first, Map<String, String> config, PrintWriter err)
            throws Exception {
        long grace = new StreamsSettingsConfig(config).getLong(StreamsSettingsConfig.AGGREGATE_GRACE_MS);
        var partitions = admin.describeTopics(List.of(names.readings()))
                .allTopicNames()
                .get()
                .get(names.readings())
                .partitions();
        Map<TopicPartition, OffsetSpec> request = new java.util.HashMap<>();
        partitions.forEach(
                p -> request.put(new TopicPartition(names.readings(), p.partition()), OffsetSpec.maxTimestamp()));
        Map<TopicPartition, ListOffsetsResultInfo> latest =
                admin.listOffsets(request).all().get();
        long newest = latest.values().stream()
                .mapToLong(ListOffsetsResultInfo::timestamp)
                .max()
                .orElse(-1);
        if (newest > first.toEpochMilli() + grace) {
            err.println("warning: " + names.readings() + " already holds readings up to " + Instant.ofEpochMilli(newest)
                    + "; rows older than that (the file starts at " + first + ") may arrive after their windows "
                    + "closed on their partition: they still reach " + names.enrichedReadings()
                    + " and the sinks, but make no aggregate and no KPI there (docs/import.md).");
        }
    }
}
