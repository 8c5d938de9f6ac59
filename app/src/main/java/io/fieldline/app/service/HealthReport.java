package io.fieldline.app.service;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code GET /health}: the overall status, and per component and per dependency its status, detail and
 * (for dependencies) the latency of the last check. The overall status is the worst of the components' and of the
 * dependencies', where a down dependency that is not {@linkplain Dependencies#critical critical} (Redis) only
 * degrades the process.
 */
public final class HealthReport {

    private HealthReport() {}

    /** The overall status. */
    public static Status overall(
            List<Supervisor.ComponentState> components, Map<String, Dependencies.Result> dependencies) {
        Status overall = Status.UP;
        for (Supervisor.ComponentState component : components) {
            overall = overall.and(status(component));
        }
        for (Map.Entry<String, Dependencies.Result> entry : dependencies.entrySet()) {
            Status status = entry.getValue().status();
            if (status == Status.DOWN && !Dependencies.critical(entry.getKey())) {
                status = Status.DEGRADED;
            }
            overall = overall.and(status);
        }
        return overall;
    }

    /** A component's status: its own report while it runs, DOWN while it starts, restarts or is stopped. */
    public static Status status(Supervisor.ComponentState component) {
        return component.phase() == Supervisor.Phase.RUNNING
                ? component.health().status()
                : Status.DOWN;
    }

    /** The JSON document, as nested maps. */
    public static Map<String, Object> document(
            List<Supervisor.ComponentState> components, Map<String, Dependencies.Result> dependencies, boolean ready) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("status", overall(components, dependencies).name());
        doc.put("ready", ready);
        Map<String, Object> parts = new LinkedHashMap<>();
        for (Supervisor.ComponentState component : components) {
            Map<String, Object> part = new LinkedHashMap<>();
            part.put("status", status(component).name());
            part.put("phase", component.phase().name());
            part.put("detail", Redaction.redact(component.health().detail()));
            part.put("restarts", component.restarts());
            part.put("failuresInARow", component.failures());
            parts.put(component.name(), part);
        }
        doc.put("components", parts);
        Map<String, Object> deps = new LinkedHashMap<>();
        dependencies.forEach((name, result) -> {
            Map<String, Object> dep = new LinkedHashMap<>();
            dep.put("status", result.status().name());
            dep.put("critical", Dependencies.critical(name));
            dep.put("detail", result.detail());
            dep.put("latencyMs", result.latency().toNanos() / 1e6);
            dep.put("checkedAt", result.checkedAt().toString());
            deps.put(name, dep);
        });
        doc.put("dependencies", deps);
        return doc;
    }
}
