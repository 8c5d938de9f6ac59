package io.fieldline.sink.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Source;
import io.fieldline.sink.internal.json.SinkJson;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The JSON values the Redis plans store, as docs/storage.md describes them. */
class RedisPlansTest {

    @Test
    void shouldWriteTheLatestValueOfAReadingWithoutAnUnknownUnit() {
        Reading reading = Reading.newBuilder()
                .setDeviceId("dev-1")
                .setSensor("co2")
                .setValue(800)
                .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
                .setIngestTime(Instant.ofEpochMilli(1_700_000_000_000L))
                .setSource(Source.MQTT)
                .setQuality(Quality.BAD)
                .build();

        assertThat(RedisPlans.latestValue(reading))
                .isEqualTo("{\"time\":1700000000000,\"value\":800,\"quality\":\"BAD\"}");
        reading.setUnit("ppm");
        reading.setValue(812.5);
        assertThat(RedisPlans.latestValue(reading))
                .isEqualTo("{\"time\":1700000000000,\"value\":812.5,\"unit\":\"ppm\",\"quality\":\"BAD\"}");
    }

    @Test
    void shouldWriteAlertDetailsAndAnomalyFlagsWithTheirFieldNames() {
        assertThat(SinkJson.write(new RedisPlans.AlertDetails(
                        2L,
                        "r/d/s",
                        "r",
                        "THRESHOLD",
                        "RAISED",
                        "WARNING",
                        "d",
                        "s",
                        null,
                        "room-a",
                        "ABOVE",
                        31.5,
                        30.0,
                        null,
                        1L,
                        "hot")))
                .isEqualTo(
                        "{\"time\":2,\"alertId\":\"r/d/s\",\"ruleId\":\"r\",\"kind\":\"THRESHOLD\",\"state\":\"RAISED\","
                                + "\"severity\":\"WARNING\",\"deviceId\":\"d\",\"sensor\":\"s\",\"room\":\"room-a\","
                                + "\"direction\":\"ABOVE\",\"value\":31.5,\"threshold\":30,\"since\":1,\"message\":\"hot\"}");
        assertThat(SinkJson.write(
                        new RedisPlans.AnomalyFlag(5L, 40.0, 0.97, "EWMA_ZSCORE", 22.0, 18.0, 6.2, 5.1, null)))
                .isEqualTo("{\"time\":5,\"value\":40,\"score\":0.97,\"method\":\"EWMA_ZSCORE\",\"expected\":22,"
                        + "\"deviation\":18,\"zScore\":6.2,\"robustZ\":5.1}");
    }
}
