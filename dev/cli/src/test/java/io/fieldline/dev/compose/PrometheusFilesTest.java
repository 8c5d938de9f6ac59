package io.fieldline.dev.compose;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Prometheus side of compose/: the configuration and the alerting rules pass {@code promtool check}, the rules
 * pass their unit tests ({@code promtool test rules}), every PromQL expression of the dashboards parses, and every
 * expression names only metrics the services expose.
 */
class PrometheusFilesTest {

    @Test
    void shouldNameOnlyMetricsTheServicesExpose() {
        Set<String> exposed = new HashSet<>(DeploymentMetrics.catalogued());
        exposed.addAll(DeploymentMetrics.PROMETHEUS_OWN);
        exposed.addAll(DeploymentMetrics.FROM_BINDERS);
        assertThat(DeploymentMetrics.unknownNames(exposed)).isEmpty();
        assertThat(DeploymentMetrics.expressions())
                .as("the rules and the Pipeline and Fleet dashboards' expressions")
                .hasSizeGreaterThan(25);
    }

    @Test
    void shouldFindANameThatIsNotExposed() {
        assertThat(PromQl.select("sum by (group) (max by (group, topic, partition) (fieldline_consumer_lag_records))"
                                + " > 5000 and on(group) rate(fieldline_sink_rows_total{table=\"x\"}[5m]) offset 1h")
                        .names())
                .containsExactlyInAnyOrder("fieldline_consumer_lag_records", "fieldline_sink_rows_total");
        assertThat(PromQl.select(
                                "histogram_quantile(0.99, sum by (le) (rate(fieldline_sink_batch_duration_seconds_bucket[1m])))")
                        .names())
                .containsExactly("fieldline_sink_batch_duration_seconds_bucket");
        assertThat(PromQl.select("sum(rate({__name__=~\"fieldline_(mqtt|can)_deadletters_total\"}[5m])) > 1e3")
                        .namePatterns())
                .containsExactly("fieldline_(mqtt|can)_deadletters_total");
        Set<String> exposed = DeploymentMetrics.catalogued();
        assertThat(exposed)
                .contains("fieldline_mqtt_deadletters_total")
                .doesNotContain("fieldline_mqtt_dead_letters_total");
        assertThat(PromQl.select("rate(fieldline_mqtt_dead_letters_total[5m])").names())
                .isNotEmpty()
                .noneMatch(exposed::contains);
    }

    @Test
    void shouldPassPromtoolCheckConfig(@TempDir Path dir) throws Exception {
        Path promtool = DeploymentTools.require("promtool", "prometheus");
        // The rule files as the container sees them (/etc/prometheus/rules): point promtool at the repository's.
        String config = DeploymentFiles.read("prometheus/prometheus.yml")
                .replace("/etc/prometheus/rules/", DeploymentFiles.file("prometheus/rules") + "/");
        Path copy = dir.resolve("prometheus.yml");
        Files.writeString(copy, config, StandardCharsets.UTF_8);
        DeploymentTools.Result result =
                DeploymentTools.run(dir, 60, promtool.toString(), "check", "config", copy.toString());
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS").contains("rules found");
    }

    @Test
    void shouldPassTheAlertingRulesUnitTests() throws Exception {
        Path promtool = DeploymentTools.require("promtool", "prometheus");
        DeploymentTools.Result check = DeploymentTools.run(
                DeploymentFiles.dir(), 60, promtool.toString(), "check", "rules", "prometheus/rules/fieldline.yml");
        assertThat(check.exitCode()).as(check.output()).isZero();
        DeploymentTools.Result tests = DeploymentTools.run(
                DeploymentFiles.file("prometheus"),
                120,
                promtool.toString(),
                "test",
                "rules",
                "tests/fieldline_test.yml");
        assertThat(tests.exitCode()).as(tests.output()).isZero();
        assertThat(tests.output()).contains("SUCCESS");
        String testFile = DeploymentFiles.read("prometheus/tests/fieldline_test.yml");
        for (String alert : alertNames()) {
            assertThat(testFile).as("a unit test of " + alert).contains("alertname: " + alert);
        }
    }

    @Test
    void shouldParseEveryDashboardExpression(@TempDir Path dir) throws Exception {
        Path promtool = DeploymentTools.require("promtool", "prometheus");
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboards\n    rules:\n");
        int n = 0;
        for (Map.Entry<String, String> expression :
                DeploymentMetrics.expressions().entrySet()) {
            if (expression.getKey().startsWith("dashboard ")) {
                rules.append("      - record: dashboard:expression_")
                        .append(n++)
                        .append('\n')
                        .append("        expr: '")
                        .append(expression.getValue().replace("'", "''"))
                        .append("'\n");
            }
        }
        assertThat(n).isGreaterThan(10);
        Path file = dir.resolve("dashboards.yml");
        Files.writeString(file, rules, StandardCharsets.UTF_8);
        DeploymentTools.Result result =
                DeploymentTools.run(dir, 60, promtool.toString(), "check", "rules", file.toString());
        assertThat(result.exitCode()).as("%s%n%s", result.output(), rules).isZero();
        assertThat(result.output()).contains("SUCCESS: " + n + " rules found");

        // And promtool does refuse a broken one, so the check above means something.
        Files.writeString(
                file, "groups:\n  - name: x\n    rules:\n      - record: x:y\n        expr: 'sum by (job (up)'\n");
        assertThat(DeploymentTools.run(dir, 60, promtool.toString(), "check", "rules", file.toString())
                        .exitCode())
                .isNotZero();
    }

    @SuppressWarnings("unchecked")
    private static Set<String> alertNames() {
        Set<String> names = new HashSet<>();
        Map<String, Object> rules = DeploymentFiles.yaml("prometheus/rules/fieldline.yml");
        for (Map<String, Object> group : (java.util.List<Map<String, Object>>) rules.get("groups")) {
            for (Map<String, Object> rule : (java.util.List<Map<String, Object>>) group.get("rules")) {
                names.add(String.valueOf(rule.get("alert")));
            }
        }
        return names;
    }
}
