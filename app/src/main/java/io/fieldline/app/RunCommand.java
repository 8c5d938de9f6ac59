package io.fieldline.app;

import io.fieldline.app.service.ProcessLifecycle;
import io.fieldline.app.service.ServiceComponents;
import io.fieldline.app.service.ServiceConfig;
import io.fieldline.app.service.ServiceContext;
import io.fieldline.app.service.ServiceRuntime;
import io.fieldline.app.service.Supervisor;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fieldline run COMPONENT...}: the named components as one long-lived, supervised service against the
 * configured servers, with the ops HTTP endpoint; no embedded server. Stops cleanly on SIGTERM or Ctrl-C.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Run pipeline components as a supervised service against the configured servers (or those of "
                + "a running fieldline up), with /health and /metrics on http.port. Components: mqtt-bridge, "
                + "can-bridge, streams (or streams:readings, streams:alerts, streams:anomalies, streams:kpis), "
                + "sink-postgres, sink-redis, cdc, api (the HTTP API, docs/api.md).")
public final class RunCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions;

    @Option(
            names = "--endpoints",
            paramLabel = "FILE",
            defaultValue = ".fieldline/endpoints.env",
            description = "Endpoints written by fieldline up, used for every server the configuration does not name "
                    + "(default: ${DEFAULT-VALUE}; ignored when missing).")
    Path endpoints;

    @Parameters(arity = "1..*", paramLabel = "COMPONENT", description = "Components to run.")
    List<String> components = new ArrayList<>();

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        Map<String, String> config = configOptions.load();
        List<String> problems = ConfigReference.check(config);
        if (!problems.isEmpty()) {
            throw new ConfigException(String.join("; ", problems));
        }
        PrometheusMeterRegistry meters = ServiceRuntime.registry();
        ServiceContext context = new ServiceContext(config, EndpointOptions.read(endpoints), meters);
        if (!context.settings().containsKey(KafkaClientConfig.BOOTSTRAP_SERVERS)) {
            throw new ConfigException(
                    KafkaClientConfig.BOOTSTRAP_SERVERS,
                    null,
                    "no Kafka cluster configured, and no endpoints file at " + endpoints
                            + " (run fieldline up --servers-only, or set it)");
        }
        java.util.Set<String> names = new LinkedHashSet<>(components);
        if (names.contains(ServiceComponents.STREAMS)
                && names.stream().anyMatch(name -> name.startsWith(ServiceComponents.STREAMS + ":"))) {
            throw new IllegalArgumentException(
                    "streams already runs every Streams application: name it alone, or only streams:<application>");
        }
        List<Supervisor.Spec> specs = new ArrayList<>();
        for (String name : names) {
            specs.add(ServiceComponents.spec(name, context));
        }
        ServiceConfig service = context.service();
        ProcessLifecycle lifecycle =
                ProcessLifecycle.install(Duration.ofMillis(service.getLong(ServiceConfig.SHUTDOWN_TIMEOUT_MS)));
        ServiceRuntime runtime = new ServiceRuntime(context, meters, lifecycle::exit);
        lifecycle.onStopRequest(runtime.supervisor()::abortStart);
        try {
            runtime.start(specs, "0.0.0.0");
            out.printf(
                    "Fieldline running %s%s%n",
                    String.join(" ", components), runtime.opsUrl() == null ? "" : "; ops endpoint " + runtime.opsUrl());
            out.flush();
            lifecycle.awaitStop();
        } finally {
            // No summaries: each could query a store, and the stop must fit in shutdown.timeout.ms.
            runtime.stop(false);
            lifecycle.stopped();
        }
        return lifecycle.exitCode();
    }
}
