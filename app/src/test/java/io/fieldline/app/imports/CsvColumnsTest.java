package io.fieldline.app.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.app.imports.CsvColumns.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CsvColumnsTest {

    @ParameterizedTest(name = "''{0}'' -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "date               | date",
                "Date               | date",
                "  TIMESTAMP        | date",
                "room               | room_id",
                "Room ID            | room_id",
                "eggs               | eggs_produced",
                "Eggs Produced      | eggs_produced",
                "eggs_produced      | eggs_produced",
                "weight             | avg_weight_kg",
                "Avg Weight (kg)    | avg_weight_kg",
                "avg_weight_kg      | avg_weight_kg",
                "feed               | feed_consumed_kg",
                "Feed Consumed (kg) | feed_consumed_kg",
                "water              | water_consumed_l",
                "Water consumed (l) | water_consumed_l",
                "FCR                | fcr",
                "Feed Conversion Ratio | fcr",
                "mortality          | mortality_rate",
                "Mortality Rate (%) | mortality_rate",
                "production         | production_rate",
                "production-rate    | production_rate",
                "temperature        | temperature_c",
                "Temp               | temperature_c",
                "Temperature (°C)   | temperature_c",
                "temperature°       | temperature_c",
                "humidity           | humidity_pct",
                "Humidity (%)       | humidity_pct",
                "ammonia            | ammonia_ppm",
                "Ammonia (ppm)      | ammonia_ppm",
                "birds              | birds_remaining",
                "Birds Remaining    | birds_remaining",
                "deaths             | deaths",
                "\uFEFFdate         | date",
            })
    void shouldMapAHeaderToItsSensorName(String header, String sensor) {
        assertThat(CsvColumns.resolve(header))
                .hasValueSatisfying(c -> assertThat(c.sensor()).isEqualTo(sensor));
    }

    @ParameterizedTest(name = "''{0}'' is not known")
    @CsvSource({"notes", "weight lb", "egg", "temperature f", "co2"})
    void shouldNotMapUnknownHeaders(String header) {
        assertThat(CsvColumns.resolve(header)).isEmpty();
    }

    @ParameterizedTest(name = "''{0}'' -> ''{1}''")
    @CsvSource(
            delimiter = '|',
            value = {
                "  Feed Consumed (kg)  | feed consumed kg",
                "Temperature (°C)      | temperature c",
                "AVG__WEIGHT-kg        | avg weight kg",
                "(eggs)                | eggs",
            })
    void shouldNormalizeHeadersByTheOldRules(String header, String normalized) {
        assertThat(CsvColumns.normalize(header)).isEqualTo(normalized);
    }

    @Test
    void shouldFindDateRoomAndMetricsAndReportTheRest() {
        CsvLayout layout = CsvLayout.of(List.of("Date", "Room", "Eggs", "notes", "Feed (kg)", ""));

        assertThat(layout.dateIndex()).isZero();
        assertThat(layout.roomIndex()).isEqualTo(1);
        assertThat(layout.metrics()).containsOnlyKeys(2, 4);
        assertThat(layout.metrics().get(4).sensor()).isEqualTo("feed_consumed_kg");
        assertThat(layout.metrics().get(4).kind()).isEqualTo(Kind.METRIC);
        assertThat(layout.ignored()).containsExactly("notes");
    }

    @Test
    void shouldHaveOneRoomWithoutARoomColumn() {
        assertThat(CsvLayout.of(List.of("date", "eggs")).roomIndex()).isEqualTo(-1);
    }

    @Test
    void shouldRefuseAFileWithoutDateOrMetricOrWithAColumnTwice() {
        assertThatThrownBy(() -> CsvLayout.of(List.of("room", "eggs")))
                .isInstanceOf(CsvImportException.class)
                .hasMessageContaining("no date column");
        assertThatThrownBy(() -> CsvLayout.of(List.of("date", "room", "notes")))
                .isInstanceOf(CsvImportException.class)
                .hasMessageContaining("no metric column");
        assertThatThrownBy(() -> CsvLayout.of(List.of("date", "eggs", "Eggs Produced")))
                .isInstanceOf(CsvImportException.class)
                .hasMessageContaining("both map to eggs_produced");
    }
}
