package io.fieldline.dev.compose;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The provisioned dashboards: the five the deployment promises, each panel on a provisioned data source with a query
 * in the field Grafana reads, SQL written as raw SQL. Their SQL runs in DashboardQueriesIT; their PromQL in
 * PrometheusFilesTest.
 */
class GrafanaDashboardsTest {

    @Test
    @SuppressWarnings("unchecked")
    void shouldProvisionTheFiveDashboardsOnTheProvisionedDataSources() {
        Map<String, Object> provisioning = DeploymentFiles.yaml("grafana/provisioning/datasources/datasources.yml");
        Set<String> uids = new HashSet<>();
        for (Map<String, Object> source : (List<Map<String, Object>>) provisioning.get("datasources")) {
            uids.add(String.valueOf(source.get("uid")));
            if ("grafana-postgresql-datasource".equals(source.get("type"))) {
                assertThat(source.get("user"))
                        .as("Grafana reads with the read-only role")
                        .isEqualTo("grafana_reader");
                assertThat(String.valueOf(((Map<String, Object>) source.get("secureJsonData")).get("password")))
                        .as("the password comes from the environment")
                        .startsWith("$");
                assertThat(DeploymentFiles.read("timescaledb/10-grafana-reader.sh"))
                        .contains("grafana_reader");
            }
        }
        assertThat(uids).containsExactlyInAnyOrder(Dashboards.PROMETHEUS_UID, Dashboards.TIMESCALEDB_UID);

        List<String> titles = new ArrayList<>();
        Set<String> dashboardUids = new HashSet<>();
        for (Path file : Dashboards.files()) {
            JsonNode board = Dashboards.read(file);
            titles.add(board.path("title").asText());
            assertThat(dashboardUids.add(board.path("uid").asText()))
                    .as("unique uid " + file)
                    .isTrue();
            Set<Integer> ids = new HashSet<>();
            for (JsonNode panel : board.path("panels")) {
                assertThat(ids.add(panel.path("id").asInt()))
                        .as("unique panel id in " + file)
                        .isTrue();
                assertThat(panel.path("targets"))
                        .as(panel.path("title").asText())
                        .isNotEmpty();
                assertThat(uids).contains(panel.path("datasource").path("uid").asText());
            }
        }
        assertThat(titles)
                .containsExactlyInAnyOrder(
                        "Fieldline / Fleet",
                        "Fieldline / Room climate",
                        "Fieldline / Poultry",
                        "Fieldline / Alerts",
                        "Fieldline / Pipeline");
        for (Dashboards.Query query : Dashboards.queries()) {
            assertThat(uids).as(query.where()).contains(query.datasourceUid());
            assertThat(query.text()).as(query.where()).isNotBlank();
        }
        assertThat(Dashboards.queries().stream().filter(Dashboards.Query::sql).count())
                .as("SQL queries")
                .isGreaterThan(20);
    }

    @Test
    void shouldExpandGrafanasMacrosAsItsPostgresDataSourceDoes() {
        Instant from = Instant.parse("2026-12-01T00:00:00Z");
        Instant to = Instant.parse("2026-12-02T00:00:00Z");
        String sql =
                "SELECT $__timeGroupAlias(event_time, $__interval), state FROM alert WHERE $__timeFilter(event_time)"
                        + " AND room IN ($room) AND rule_id IN (${rule}) AND event_time > $__timeFrom()";
        Map<String, List<String>> variables = Map.of("room", List.of("r-1", "o'brien"), "rule", List.of("hot"));
        assertThat(new GrafanaMacros(from, to, "5m", false, variables).expand(sql))
                .isEqualTo("SELECT floor(extract(epoch from event_time)/300)*300 AS \"time\", state FROM alert WHERE "
                        + "event_time BETWEEN '2026-12-01T00:00:00Z' AND '2026-12-02T00:00:00Z' AND room IN "
                        + "('r-1','o''brien') AND rule_id IN ('hot') AND event_time > '2026-12-01T00:00:00Z'");
        assertThat(new GrafanaMacros(from, to, "1m", true, variables).expand("SELECT $__timeGroup(time, '1h') FROM m"))
                .isEqualTo("SELECT time_bucket('3600s', time) FROM m");
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        new GrafanaMacros(from, to, "1m", true, Map.of()).expand("SELECT 1 WHERE room IN ($house)"))
                .hasMessageContaining("unexpanded");
    }
}
