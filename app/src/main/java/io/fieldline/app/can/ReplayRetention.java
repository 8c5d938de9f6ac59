package io.fieldline.app.can;

import io.fieldline.can.CanFrame;
import io.fieldline.can.candump.CandumpFormatException;
import io.fieldline.can.candump.CandumpParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The check {@code fieldline can replay} makes before it sends a log with its original times: Kafka's time-based
 * retention counts from the record timestamps, so records already older than a topic's {@code retention.ms} are
 * deleted at the broker's next retention check (every {@code log.retention.check.interval.ms}, five minutes by
 * default), even from the active segment and even before any consumer read them. {@code fieldline import csv} makes
 * the same check for the dates of its files.
 */
public final class ReplayRetention {

    /** How far into a log to look for its first timestamped frame (comments and malformed lines are skipped). */
    static final int MAX_LINES_SCANNED = 1000;

    private ReplayRetention() {}

    /**
     * @return the receive time of the first timestamped frame among the first {@value #MAX_LINES_SCANNED} lines,
     *         empty when there is none (a console-format log without times)
     */
    static Optional<Instant> firstTimestamp(Path log) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
            String line;
            for (int n = 0; n < MAX_LINES_SCANNED && (line = reader.readLine()) != null; n++) {
                if (CandumpParser.isBlankOrComment(line)) {
                    continue;
                }
                try {
                    CanFrame frame = CandumpParser.parse(line);
                    if (frame.hasTimestamp()) {
                        long micros = frame.timestampMicros();
                        return Optional.of(Instant.ofEpochSecond(
                                Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L));
                    }
                } catch (CandumpFormatException e) {
                    // the replay dead-letters it; look further
                }
            }
        }
        return Optional.empty();
    }

    /**
     * @param topic       the topic the records go to
     * @param retentionMs its {@code retention.ms}; negative means no time limit
     * @param first       the first record time of the log
     * @param now         the time now
     * @return a warning when records from {@code first} on would already be past the topic's retention
     */
    static Optional<String> warning(String topic, long retentionMs, Instant first, Instant now) {
        return warning(
                "the log",
                "Replay with --timestamps shifted, or raise the topic's retention.ms first (see docs/topics.md).",
                topic,
                retentionMs,
                first,
                now);
    }

    /**
     * @param subject     what starts at {@code first}, for the warning ({@code the log}, {@code the file})
     * @param remedy      what to do about it, a sentence
     * @param topic       the topic the records go to
     * @param retentionMs its {@code retention.ms}; negative means no time limit
     * @param first       the first record time
     * @param now         the time now
     * @return a warning when records from {@code first} on would already be past the topic's retention
     */
    public static Optional<String> warning(
            String subject, String remedy, String topic, long retentionMs, Instant first, Instant now) {
        if (retentionMs < 0 || !first.plusMillis(retentionMs).isBefore(now)) {
            return Optional.empty();
        }
        return Optional.of(String.format(
                "warning: %s starts at %s, older than the retention of %s "
                        + "(retention.ms=%d, %s). Kafka deletes such records at its next retention check, "
                        + "possibly before anyone reads them. %s",
                subject, first, topic, retentionMs, human(Duration.ofMillis(retentionMs)), remedy));
    }

    /** The {@code retention.ms} of each topic that has one set or inherited. */
    public static Map<String, Long> retentionMs(Admin admin, List<String> topics)
            throws ExecutionException, InterruptedException {
        List<ConfigResource> resources = topics.stream()
                .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t))
                .toList();
        Map<ConfigResource, Config> configs =
                admin.describeConfigs(resources).all().get();
        Map<String, Long> retention = new LinkedHashMap<>();
        for (ConfigResource resource : resources) {
            ConfigEntry entry = configs.get(resource).get(TopicConfig.RETENTION_MS_CONFIG);
            if (entry != null && entry.value() != null) {
                retention.put(resource.name(), Long.parseLong(entry.value()));
            }
        }
        return retention;
    }

    private static String human(Duration d) {
        if (d.toDays() > 0 && d.toHoursPart() == 0 && d.toMinutesPart() == 0) {
            return d.toDays() + (d.toDays() == 1 ? " day" : " days");
        }
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }
}
