package io.fieldline.dev.compose;

import io.fieldline.app.MetricsReference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every PromQL expression of the deployment (the alerting rules and the Grafana dashboards) and the metrics they
 * name, against the metrics the services expose: the catalog of Fieldline's own meters (MetricsReference, which
 * PipelineFaultIT and MetricsReferenceTest hold to real scrapes), plus the few names from Micrometer's binders or from
 * Prometheus itself that the deployment uses, which PipelineFaultIT finds on the real {@code /metrics} of the processes.
 */
public final class DeploymentMetrics {

    /** Named by the deployment, not in the catalog: Prometheus's own {@code up}, and binder metrics. */
    public static final Set<String> PROMETHEUS_OWN = Set.of("up");

    /** Binder metrics the dashboards use; PipelineFaultIT asserts each is on a real scrape. */
    public static final Set<String> FROM_BINDERS = Set.of("kafka_stream_thread_process_total");

    private DeploymentMetrics() {}

    /** Where an expression stands (file and rule or panel) to the expression, Grafana's variables filled in. */
    @SuppressWarnings("unchecked")
    public static Map<String, String> expressions() {
        Map<String, String> expressions = new LinkedHashMap<>();
        Map<String, Object> rules = DeploymentFiles.yaml("prometheus/rules/fieldline.yml");
        int n = 0;
        for (Map<String, Object> group : (List<Map<String, Object>>) rules.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                expressions.put(
                        "prometheus/rules/fieldline.yml " + rule.getOrDefault("alert", rule.get("record")) + " #" + n++,
                        String.valueOf(rule.get("expr")));
            }
        }
        for (Dashboards.Query query : Dashboards.queries()) {
            if (!query.sql()) {
                expressions.put("dashboard " + query.where(), PromQl.expandGrafana(query.text()));
            }
        }
        return expressions;
    }

    /** The catalog's series names (counters, gauges, and each distribution's _count, _sum, _max, _bucket). */
    public static Set<String> catalogued() {
        Set<String> names = new TreeSet<>();
        MetricsReference.catalog().forEach(metric -> names.addAll(metric.prometheusSeries()));
        return names;
    }

    /** Plain names the deployment selects. */
    public static Set<String> named() {
        Set<String> names = new TreeSet<>();
        expressions().values().forEach(e -> names.addAll(PromQl.select(e).names()));
        return names;
    }

    /** Problems: names neither catalogued nor known, and name patterns that match no catalogued name. */
    public static List<String> unknownNames(Set<String> exposed) {
        List<String> problems = new ArrayList<>();
        expressions().forEach((where, expression) -> {
            PromQl.Selected selected = PromQl.select(expression);
            for (String name : selected.names()) {
                if (!exposed.contains(name)) {
                    problems.add(where + ": '" + name + "' is not a metric the services expose");
                }
            }
            for (String pattern : selected.namePatterns()) {
                if (exposed.stream().noneMatch(name -> name.matches(pattern))) {
                    problems.add(where + ": __name__=~\"" + pattern + "\" matches no metric the services expose");
                }
            }
        });
        return problems;
    }
}
