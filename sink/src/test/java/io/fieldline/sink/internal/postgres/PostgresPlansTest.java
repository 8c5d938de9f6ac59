package io.fieldline.sink.internal.postgres;

import static io.fieldline.testing.Records.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Alert;
import io.fieldline.schemas.avro.AlertState;
import io.fieldline.schemas.avro.AnomalyScore;
import io.fieldline.schemas.avro.Kpi;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.sink.internal.SqlNames;
import io.fieldline.sink.internal.postgres.PostgresStreamWriter.TableRows;
import io.fieldline.sink.internal.worker.SinkRecord;
import io.fieldline.sink.testing.WriterHarness;
import io.fieldline.testing.Records;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class PostgresPlansTest {

    @SuppressWarnings("unchecked") // the plans put rows of the table's own type in each part
    private static <T> List<T> rows(List<TableRows<?>> parts, CopyTable<T> table) {
        return parts.stream()
                .filter(p -> p.table() == table)
                .findFirst()
                .map(p -> new ArrayList<>((java.util.Collection<T>) p.rows()))
                .orElseThrow();
    }

    @Test
    void shouldKeepEveryReadingAndRegisterEachSeriesWithItsNewestTime() {
        Reading first = Records.reading("d", "co2", T0.plusSeconds(5), 1);
        Reading older = Records.reading("d", "co2", T0, 3);
        Reading other = Records.reading("d", "rh", T0, 4);

        List<TableRows<?>> parts = PostgresPlans.measurements(Duration.ofMinutes(1))
                .rows(WriterHarness.batch("t", List.of(first, older, other)));

        assertThat(rows(parts, PostgresTables.MEASUREMENT)).containsExactly(first, older, other);
        assertThat(rows(parts, PostgresTables.SERIES))
                .containsExactlyInAnyOrder(
                        new PostgresTables.SeriesRow("d", "co2", T0.plusSeconds(5)),
                        new PostgresTables.SeriesRow("d", "rh", T0));
    }

    @Test
    void shouldRefreshASeriesOnlyOnceItsNewestReadingMovedByTheRefreshInterval() {
        PostgresStreamWriter.Plan<Reading> plan = PostgresPlans.measurements(Duration.ofMinutes(1));
        plan.rows(WriterHarness.batch("t", List.of(Records.reading("d", "co2", T0, 1))));
        plan.committed();

        List<TableRows<?>> soon =
                plan.rows(WriterHarness.batch("t", List.of(Records.reading("d", "co2", T0.plusSeconds(30), 1))));
        plan.committed();
        List<TableRows<?>> later =
                plan.rows(WriterHarness.batch("t", List.of(Records.reading("d", "co2", T0.plusSeconds(61), 1))));

        assertThat(rows(soon, PostgresTables.SERIES)).isEmpty();
        assertThat(rows(later, PostgresTables.SERIES))
                .containsExactly(new PostgresTables.SeriesRow("d", "co2", T0.plusSeconds(61)));
    }

    @Test
    void shouldWriteASeriesAgainWhenItsLastWriteWasNotCommitted() {
        PostgresStreamWriter.Plan<Reading> plan = PostgresPlans.measurements(Duration.ofMinutes(1));
        var batch = WriterHarness.batch("t", List.of(Records.reading("d", "co2", T0, 1)));
        plan.rows(batch); // the transaction failed: no committed() call

        assertThat(rows(plan.rows(batch), PostgresTables.SERIES)).hasSize(1);
    }

    @Test
    void shouldRouteAggregatesByTopicKeepTheLastRevisionPerWindowAndTheFirstLateReadingPerKey() {
        Aggregate minute = Records.aggregate("d", "co2", T0, Duration.ofMinutes(1), 1);
        Aggregate minuteRevised = Records.aggregate("d", "co2", T0, Duration.ofMinutes(1), 2);
        Aggregate hour = Records.aggregate("d", "co2", T0, Duration.ofHours(1), 3);
        Reading late = Records.reading("d", "co2", T0.plusSeconds(5), 4);
        Reading lateAgain = Records.reading("d", "co2", T0.plusSeconds(5), 5);
        List<SinkRecord<SpecificRecord>> batch = List.of(
                new SinkRecord<>(new ConsumerRecord<>("agg.1m", 0, 0, new byte[0], new byte[0]), minute),
                new SinkRecord<>(new ConsumerRecord<>("agg.1h", 0, 0, new byte[0], new byte[0]), hour),
                new SinkRecord<>(new ConsumerRecord<>("late", 0, 0, new byte[0], new byte[0]), late),
                new SinkRecord<>(new ConsumerRecord<>("agg.1m", 0, 1, new byte[0], new byte[0]), minuteRevised),
                new SinkRecord<>(new ConsumerRecord<>("late", 0, 1, new byte[0], new byte[0]), lateAgain));

        List<TableRows<?>> parts = PostgresPlans.aggregates(
                        "agg.1h", "late", new AggregateRevisions(new SqlNames("public"), ZoneOffset.UTC))
                .rows(batch);

        assertThat(parts)
                .extracting(p -> p.table().table())
                .as("late readings first: the revisions that follow see them")
                .containsExactly("late_reading", "aggregate_1m", "aggregate_1h");
        assertThat(rows(parts, PostgresTables.AGGREGATE_1M)).containsExactly(minuteRevised);
        assertThat(rows(parts, PostgresTables.AGGREGATE_1H)).containsExactly(hour);
        assertThat(rows(parts, PostgresTables.LATE_READING)).containsExactly(late);
    }

    @Test
    void shouldKeepEveryTransitionAndTheLatestPerAlertLaterOneOnTies() {
        Alert raised = Records.alert("r", "d", "s", AlertState.RAISED, T0);
        Alert escalated = Records.alert("r", "d", "s", AlertState.ESCALATED, T0.plusSeconds(1));
        Alert cleared = Records.alert("r", "d", "s", AlertState.CLEARED, T0.plusSeconds(1));

        List<TableRows<?>> parts =
                PostgresPlans.alerts().rows(WriterHarness.batch("t", List.of(raised, escalated, cleared)));

        assertThat(rows(parts, PostgresTables.ALERT)).hasSize(3);
        assertThat(rows(parts, PostgresTables.ALERT_CURRENT)).containsExactly(cleared);
    }

    @Test
    void shouldStoreOnlyFlaggedAnomaliesWhenAsked() {
        AnomalyScore flagged = Records.anomaly("d", "s", T0, true);
        AnomalyScore normal = Records.anomaly("d", "s", T0.plusSeconds(1), false);
        var batch = WriterHarness.batch("t", List.of(flagged, normal));

        assertThat(rows(PostgresPlans.anomalies(true).rows(batch), PostgresTables.ANOMALY))
                .containsExactly(flagged);
        assertThat(rows(PostgresPlans.anomalies(false).rows(batch), PostgresTables.ANOMALY))
                .hasSize(2);
    }

    @Test
    void shouldKeepTheLastKpiPerRoomNameAndWindow() {
        Kpi first = Records.kpi("room", "vpd", T0, 1);
        Kpi revised = Records.kpi("room", "vpd", T0, 2);
        Kpi next = Records.kpi("room", "vpd", T0.plus(Duration.ofHours(1)), 3);

        assertThat(rows(
                        PostgresPlans.kpis().rows(WriterHarness.batch("t", List.of(first, revised, next))),
                        PostgresTables.KPI))
                .containsExactly(revised, next);
    }
}
