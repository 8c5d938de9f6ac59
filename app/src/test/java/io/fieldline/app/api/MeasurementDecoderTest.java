package io.fieldline.app.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Source;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MeasurementDecoderTest {

    private static final Instant NOW = Instant.parse("2026-02-01T10:00:00Z");
    private final MeasurementDecoder decoder = new MeasurementDecoder(3, Clock.fixed(NOW, ZoneOffset.UTC));

    private List<Reading> decode(String json) {
        return decoder.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldDecodeOneReadingWithDefaults() {
        Reading reading = decode("{\"deviceId\": \"d-1\", \"sensor\": \"co2\", \"value\": 412}")
                .get(0);

        assertThat(reading.getDeviceId()).isEqualTo("d-1");
        assertThat(reading.getValue()).isEqualTo(412.0);
        assertThat(reading.getEventTime()).isEqualTo(NOW);
        assertThat(reading.getIngestTime()).isEqualTo(NOW);
        assertThat(reading.getSource()).isEqualTo(Source.HTTP);
        assertThat(reading.getQuality()).isEqualTo(Quality.GOOD);
        assertThat(reading.getUnit()).isNull();
    }

    @Test
    void shouldDecodeABatchWithEveryField() {
        List<Reading> readings = decode("""
                {"readings": [
                  {"deviceId": "d", "sensor": "t", "value": 1.5, "unit": "degC", "time": "2026-01-31T00:00:00Z",
                   "quality": "BAD", "site": "f", "room": "r", "attributes": {"a": "b"}},
                  {"deviceId": "d", "sensor": "t", "value": -2, "time": 1000}
                ]}""");

        assertThat(readings).hasSize(2);
        assertThat(readings.get(0).getQuality()).isEqualTo(Quality.BAD);
        assertThat(readings.get(0).getRoom()).isEqualTo("r");
        assertThat(readings.get(0).getAttributes()).containsEntry("a", "b");
        assertThat(readings.get(1).getEventTime()).isEqualTo(Instant.ofEpochMilli(1000));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"sensor\": \"t\", \"value\": 1}                                      | /deviceId",
                "{\"deviceId\": \"a/b\", \"sensor\": \"t\", \"value\": 1}               | /deviceId",
                "{\"deviceId\": \"d\", \"value\": 1}                                    | /sensor",
                "{\"deviceId\": \"d\", \"sensor\": \"t\"}                               | /value",
                "{\"deviceId\": \"d\", \"sensor\": \"t\", \"value\": \"1\"}             | /value",
                "{\"deviceId\": \"d\", \"sensor\": \"t\", \"value\": 1e999}             | /value",
                "{\"deviceId\": \"d\", \"sensor\": \"t\", \"value\": 1, \"time\": \"yesterday\"} | /time",
                "{\"deviceId\": \"d\", \"sensor\": \"t\", \"value\": 1, \"time\": \"2026-02-03T00:00:00Z\"} | /time",
                "{\"deviceId\": \"d\", \"sensor\": \"t\", \"value\": 1, \"quality\": \"FINE\"} | /quality",
                "{\"deviceId\": \"d\", \"sensor\": \"t\", \"value\": 1, \"attributes\": {\"a\": 1}} | /attributes/a",
                "{\"deviceId\": \"d\", \"sensor\": \"t\", \"value\": 1, \"timestamp\": 1} | /timestamp",
                "{\"readings\": [{\"deviceId\": \"d\", \"sensor\": \"t\", \"value\": 1}, {\"deviceId\": 7, \"sensor\": \"t\", \"value\": 1}]} | /readings/1/deviceId",
                "{\"readings\": []}                                                      | /readings",
                "[1, 2]                                                                  | ''",
            })
    void shouldNameTheInvalidField(String json, String pointer) {
        assertThatThrownBy(() -> decode(json)).isInstanceOfSatisfying(ApiProblem.class, problem -> {
            assertThat(problem.status()).isEqualTo(400);
            assertThat(problem.errors())
                    .extracting(ApiProblem.FieldError::pointer)
                    .contains(pointer);
        });
    }

    @Test
    void shouldRefuseMoreReadingsThanAllowedWith413() {
        String one = "{\"deviceId\": \"d\", \"sensor\": \"t\", \"value\": 1}";
        assertThatThrownBy(() -> decode("{\"readings\": [" + String.join(",", one, one, one, one) + "]}"))
                .isInstanceOfSatisfying(
                        ApiProblem.class,
                        problem -> assertThat(problem.status()).isEqualTo(413));
    }
}
