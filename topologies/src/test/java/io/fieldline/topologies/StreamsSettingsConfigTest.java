package io.fieldline.topologies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.schemas.avro.Severity;
import io.fieldline.topologies.kpi.KpiInput;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class StreamsSettingsConfigTest {

    @Test
    void shouldDeriveTypedSettingsFromDefaults() {
        StreamsSettingsConfig config = StreamsSettingsConfig.defaults();

        assertThat(config.applicationId("readings")).isEqualTo("fieldline-readings");
        assertThat(config.applications()).containsExactly("readings", "alerts", "anomalies", "kpis");
        assertThat(config.aggregateSettings().window()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.aggregateSettings().rollupWindow()).isEqualTo(Duration.ofHours(1));
        assertThat(config.alertSettings().offlineSeverity()).isEqualTo(Severity.WARNING);
        assertThat(config.kpiSettings().inputOf("air_temperature")).isEqualTo(KpiInput.TEMPERATURE);
        assertThat(config.kpiSettings().dayZone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(config.storeType()).isEqualTo(StoreType.ROCKSDB);
    }

    @Test
    void shouldCommitOftenOnTheAlertPathAndRarelyElsewhereByDefault() {
        StreamsSettingsConfig config = StreamsSettingsConfig.defaults();

        assertThat(config.commitInterval("readings"))
                .isEqualTo(new StreamsSettingsConfig.CommitInterval(
                        StreamsSettingsConfig.READINGS_COMMIT_INTERVAL_MS, 100, false));
        assertThat(config.commitInterval("alerts"))
                .isEqualTo(new StreamsSettingsConfig.CommitInterval(
                        StreamsSettingsConfig.ALERTS_COMMIT_INTERVAL_MS, 100, false));
        assertThat(config.commitInterval("anomalies"))
                .isEqualTo(new StreamsSettingsConfig.CommitInterval(
                        StreamsSettingsConfig.ANOMALIES_COMMIT_INTERVAL_MS, 1000, false));
        assertThat(config.commitInterval("kpis"))
                .isEqualTo(new StreamsSettingsConfig.CommitInterval(
                        StreamsSettingsConfig.KPIS_COMMIT_INTERVAL_MS, 1000, false));
        for (String application : StreamsSettingsConfig.APPLICATION_NAMES) {
            assertThat(StreamsSettingsConfig.configDef().names())
                    .contains(StreamsSettingsConfig.commitIntervalKey(application));
        }
    }

    @Test
    void shouldTakeAnApplicationsOwnCommitIntervalOverTheSharedOneOverItsDefault() {
        StreamsSettingsConfig config = new StreamsSettingsConfig(Map.of(
                StreamsSettingsConfig.COMMIT_INTERVAL_MS, "500",
                StreamsSettingsConfig.ALERTS_COMMIT_INTERVAL_MS, "50"));

        assertThat(config.commitInterval("alerts"))
                .isEqualTo(new StreamsSettingsConfig.CommitInterval(
                        StreamsSettingsConfig.ALERTS_COMMIT_INTERVAL_MS, 50, true));
        assertThat(config.commitInterval("readings"))
                .isEqualTo(
                        new StreamsSettingsConfig.CommitInterval(StreamsSettingsConfig.COMMIT_INTERVAL_MS, 500, true));
        assertThat(config.commitInterval("kpis").millis()).isEqualTo(500);

        StreamsSettingsConfig own =
                new StreamsSettingsConfig(Map.of(StreamsSettingsConfig.KPIS_COMMIT_INTERVAL_MS, "5000"));
        assertThat(own.commitInterval("kpis"))
                .isEqualTo(new StreamsSettingsConfig.CommitInterval(
                        StreamsSettingsConfig.KPIS_COMMIT_INTERVAL_MS, 5000, true));
        assertThat(own.commitInterval("readings").millis()).isEqualTo(100);
        // An application of a tool or a test: the shared key, else 1 s.
        assertThat(own.commitInterval("errors-test"))
                .isEqualTo(new StreamsSettingsConfig.CommitInterval(
                        StreamsSettingsConfig.COMMIT_INTERVAL_MS, 1000, false));
        assertThat(config.commitInterval("errors-test").millis()).isEqualTo(500);
    }

    @Test
    void shouldRejectAnInvalidCommitIntervalNamingItsKey() {
        for (String key : new String[] {
            StreamsSettingsConfig.COMMIT_INTERVAL_MS,
            StreamsSettingsConfig.READINGS_COMMIT_INTERVAL_MS,
            StreamsSettingsConfig.ALERTS_COMMIT_INTERVAL_MS,
            StreamsSettingsConfig.ANOMALIES_COMMIT_INTERVAL_MS,
            StreamsSettingsConfig.KPIS_COMMIT_INTERVAL_MS
        }) {
            for (String value : new String[] {"0", "-5", "soon"}) {
                assertThatThrownBy(() -> new StreamsSettingsConfig(Map.of(key, value)))
                        .as("%s=%s", key, value)
                        .isInstanceOf(ConfigException.class)
                        .hasMessageContaining(key);
            }
        }
    }

    @Test
    void shouldMapConfiguredSensorsToKpiInputs() {
        StreamsSettingsConfig config = new StreamsSettingsConfig(Map.of(
                StreamsSettingsConfig.KPI_TEMPERATURE_SENSORS, "t1, t2",
                StreamsSettingsConfig.KPI_HUMIDITY_SENSORS, "rh"));

        assertThat(config.kpiSettings().inputOf("t2")).isEqualTo(KpiInput.TEMPERATURE);
        assertThat(config.kpiSettings().inputOf("rh")).isEqualTo(KpiInput.HUMIDITY);
        assertThat(config.kpiSettings().inputOf("air_temperature")).isNull();
    }

    @Test
    void shouldRejectInvalidValuesNamingTheKey() {
        assertThatThrownBy(() -> new StreamsSettingsConfig(Map.of(StreamsSettingsConfig.AGGREGATE_GRACE_MS, "-1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(StreamsSettingsConfig.AGGREGATE_GRACE_MS);
        assertThatThrownBy(() ->
                        new StreamsSettingsConfig(Map.of(StreamsSettingsConfig.AGGREGATE_ROLLUP_WINDOW_MS, "90000")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(StreamsSettingsConfig.AGGREGATE_ROLLUP_WINDOW_MS);
        assertThatThrownBy(() -> new StreamsSettingsConfig(Map.of(StreamsSettingsConfig.KPI_DAY_ZONE, "Mars/Olympus")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(StreamsSettingsConfig.KPI_DAY_ZONE);
        assertThatThrownBy(() ->
                        new StreamsSettingsConfig(Map.of(StreamsSettingsConfig.PROCESSING_GUARANTEE, "exactly_once")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(StreamsSettingsConfig.PROCESSING_GUARANTEE);
        assertThatThrownBy(() -> new StreamsSettingsConfig(Map.of(StreamsSettingsConfig.APPLICATIONS, "readings,nope")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(StreamsSettingsConfig.APPLICATIONS);
    }

    @Test
    void shouldRejectASensorFeedingTwoKpiInputs() {
        assertThatThrownBy(() -> new StreamsSettingsConfig(Map.of(
                        StreamsSettingsConfig.KPI_TEMPERATURE_SENSORS, "t",
                        StreamsSettingsConfig.KPI_HUMIDITY_SENSORS, "t")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'t'");
    }

    @Test
    void shouldExposeItsDefinitionsForTheReference() {
        assertThat(StreamsSettingsConfig.configDef().names()).allMatch(name -> name.startsWith("streams."));
    }
}
