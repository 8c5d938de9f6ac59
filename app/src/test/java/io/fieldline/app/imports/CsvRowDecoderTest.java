package io.fieldline.app.imports;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.app.imports.CsvRowDecoder.Decoded;
import io.fieldline.app.imports.CsvRowDecoder.Rejected;
import io.fieldline.app.imports.CsvRowDecoder.Row;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Source;
import java.io.StringReader;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CsvRowDecoderTest {

    private static final List<String> HEADER = List.of("Date", "Room", "Eggs", "Feed (kg)", "Birds");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-06T10:00:00Z"), ZoneOffset.UTC);

    private static CsvRowDecoder decoder(ZoneId zone, String pattern) {
        return new CsvRowDecoder(
                CsvLayout.of(HEADER),
                HEADER,
                zone,
                pattern == null ? null : DateTimeFormatter.ofPattern(pattern),
                "unused",
                "farm-1",
                CLOCK);
    }

    private static List<String> row(String csv) {
        return Arrays.asList(csv.split(",", -1));
    }

    @ParameterizedTest(name = "{0} in {1} (pattern {2}) -> {3}")
    @CsvSource(
            delimiter = '|',
            nullValues = "null",
            value = {
                // a date stands for its day: noon in the zone, inside the calendar day whatever DST does
                "2024-03-01            | UTC              | null       | 2024-03-01T12:00:00Z",
                "2024/03/01            | UTC              | null       | 2024-03-01T12:00:00Z",
                "2024-03-31            | Europe/Amsterdam | null       | 2024-03-31T10:00:00Z",
                "2024-03-01T06:30:00Z  | Europe/Amsterdam | null       | 2024-03-01T06:30:00Z",
                "2024-03-01T06:30:00+02:00 | UTC          | null       | 2024-03-01T04:30:00Z",
                "2024-03-01T06:30      | Europe/Amsterdam | null       | 2024-03-01T05:30:00Z",
                "2024-03-01 06:30:15   | UTC              | null       | 2024-03-01T06:30:15Z",
                "01/03/2024            | UTC              | dd/MM/yyyy | 2024-03-01T12:00:00Z",
                "01.03.2024 18:00      | UTC              | dd.MM.yyyy HH:mm | 2024-03-01T18:00:00Z",
            })
    void shouldTimeARowByItsDate(String date, String zone, String pattern, String expected) {
        Decoded decoded = decoder(ZoneId.of(zone), pattern).decode(row(date + ",house-1,900,,"));

        assertThat(decoded)
                .isInstanceOfSatisfying(
                        Row.class, r -> assertThat(r.eventTime()).isEqualTo(Instant.parse(expected)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "2024-02-30,house-1,900,, | column 'Date' '2024-02-30' is not a date (yyyy-MM-dd, or an ISO date-time; see --date-format)",
                "03/01/2024,house-1,900,, | column 'Date' '03/01/2024' is not a date (yyyy-MM-dd, or an ISO date-time; see --date-format)",
                ",house-1,900,,           | no column 'Date'",
                "2024-03-01,,900,,        | no column 'Room'",
                "2024-03-01,house-1,abc,, | column 'Eggs' 'abc' is not a number",
                "2024-03-01,house-1,NaN,, | column 'Eggs' 'NaN' is not a number",
                "2024-03-01,house-1,1e400x,, | column 'Eggs' '1e400x' is not a number",
                "2024-03-01,house-1,1e400,,  | column 'Eggs' '1e400' is not a number",
                "2024-03-01,house-1,,,    | no metric value",
                "2024-03-01,house-1,NA,-, | no metric value",
            })
    void shouldRejectARowWithAReason(String csv, String reason) {
        assertThat(decoder(ZoneOffset.UTC, null).decode(row(csv))).isEqualTo(new Rejected(reason));
    }

    @Test
    void shouldMakeOneCsvReadingPerMetricValueOfTheRoomsDevice() {
        Decoded decoded =
                decoder(ZoneOffset.UTC, null).decode(List.of("2024-03-01", " house-1 ", "912", "125,5", "1000"));

        assertThat(decoded).isInstanceOf(Row.class);
        Row row = (Row) decoded;
        assertThat(row.room()).isEqualTo("house-1");
        assertThat(row.readings())
                .extracting(Reading::getSensor, Reading::getValue, Reading::getUnit)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("eggs_produced", 912.0, "count"),
                        org.assertj.core.groups.Tuple.tuple("feed_consumed_kg", 125.5, "kg"),
                        org.assertj.core.groups.Tuple.tuple("birds_remaining", 1000.0, "count"));
        Reading eggs = row.readings().get(0);
        assertThat(eggs.getDeviceId()).isEqualTo("csv-house-1");
        assertThat(eggs.getSource()).isEqualTo(Source.CSV);
        assertThat(eggs.getRoom()).isEqualTo("house-1");
        assertThat(eggs.getSite()).isEqualTo("farm-1");
        assertThat(eggs.getIngestTime()).isEqualTo(CLOCK.instant());
    }

    @Test
    void shouldPutEveryRowInTheDefaultRoomWithoutARoomColumn() {
        List<String> header = List.of("date", "eggs");
        CsvRowDecoder decoder =
                new CsvRowDecoder(CsvLayout.of(header), header, ZoneOffset.UTC, null, "layers", null, CLOCK);

        assertThat(decoder.decode(List.of("2024-03-01", "5")))
                .isInstanceOfSatisfying(Row.class, r -> assertThat(r.room()).isEqualTo("layers"));
        assertThat(CsvImportCommand.defaultRoom(java.nio.file.Path.of("data", "layers.2024.csv")))
                .isEqualTo("layers.2024");
    }

    @ParameterizedTest(name = "{0} -> ''{1}''")
    @CsvSource(
            delimiter = '|',
            value = {
                "date,room,eggs           | ','",
                "date;room;eggs           | ';'",
                "\"a,b\";room;eggs        | ';'",
                "date\troom\teggs          | '\t'",
                "date                     | ','",
            })
    void shouldDetectTheDelimiterFromTheHeader(String line, char delimiter) {
        assertThat(CsvImportCommand.detectDelimiter(line.replace("\\t", "\t"))).isEqualTo(delimiter);
    }

    @Test
    void shouldNumberARecordByTheLineItStartsOn() throws Exception {
        String csv = "date,room,eggs\n2024-03-01,a,1\n\n2024-03-02,\"b\nc\",2\r\n2024-03-03,a,3";
        List<Long> lines = new ArrayList<>();
        try (CSVParser parser = CSVParser.builder()
                .setReader(new StringReader(csv))
                .setFormat(CsvImportCommand.format(','))
                .get()) {
            for (CSVRecord record : parser) {
                lines.add(CsvImportCommand.startLine(record.toList(), parser.getCurrentLineNumber()));
            }
        }
        assertThat(lines).containsExactly(1L, 2L, 4L, 6L);
    }

    @Test
    void shouldDrawTheProgressWithRateAndEta() {
        assertThat(ImportProgress.render("f.csv", 250, 1000, Duration.ofSeconds(5)))
                .isEqualTo("f.csv [========                      ]  25% 250/1000 rows, 50 rows/s, ETA 0:15");
        assertThat(ImportProgress.render("f.csv", 1000, 1000, Duration.ofSeconds(20)))
                .endsWith("100% 1000/1000 rows, 50 rows/s, ETA 0:00");
    }
}
