package io.fieldline.app.service;

import io.fieldline.core.kafka.KafkaLogin;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Fieldline service process: its components under a {@link Supervisor}, the health checks of the servers they
 * need, consumer lag and back-pressure, and the ops HTTP endpoint. {@code fieldline run} and {@code fieldline up}
 * both run their components through it.
 */
public final class ServiceRuntime implements AutoCloseable {

    /** How long the login check before the start waits for Kafka; no answer in that time is not a failure. */
    private static final Duration KAFKA_LOGIN_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(ServiceRuntime.class);
    /** Longest a single start or stop may hold the supervisor before the process counts as wedged. */
    private static final Duration LIVENESS_LIMIT = Duration.ofMinutes(3);

    private final ServiceContext context;
    private final ServiceConfig config;
    private final PrometheusMeterRegistry meters;
    private final Supervisor supervisor;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private Dependencies dependencies;
    private LagMonitor lag;
    private OpsServer ops;

    /**
     * @param exit how the process ends when the supervisor gives up on a component
     */
    public ServiceRuntime(ServiceContext context, PrometheusMeterRegistry meters, IntConsumer exit) {
        this.context = context;
        this.config = context.service();
        this.meters = meters;
        this.supervisor = new Supervisor(config, meters, exit);
        new JvmMemoryMetrics().bindTo(meters);
        gc.bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        new ClassLoaderMetrics().bindTo(meters);
        new ProcessorMetrics().bindTo(meters);
        new UptimeMetrics().bindTo(meters);
        new FileDescriptorMetrics().bindTo(meters);
    }

    /** A registry for a process: Prometheus, with the process's name as a common tag where given. */
    public static PrometheusMeterRegistry registry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    /**
     * Opens the ops endpoint (so that probes see the process while it starts), starts the health checks of every
     * server the components need, then the components in order, then the lag monitor.
     *
     * @param bindHost the ops endpoint's address when {@code http.bind.address} is not configured
     */
    public void start(List<Supervisor.Spec> specs, String bindHost) throws IOException {
        openOps(bindHost);
        Set<String> needed = new LinkedHashSet<>();
        specs.forEach(spec -> needed.addAll(spec.dependencies()));
        // The database the process's components use: the sink's, else (a CDC-only process) the CDC engine's.
        boolean postgresOfCdc = specs.stream().noneMatch(spec -> spec.name().equals(ServiceComponents.SINK_POSTGRES))
                && specs.stream().anyMatch(spec -> spec.name().equals(ServiceComponents.CDC));
        if (needed.contains(Dependencies.KAFKA)) {
            // Credentials Kafka refuses stop the start here, naming the key, before any component retries them.
            try {
                KafkaLogin.verify(context.kafka(), "fieldline", KAFKA_LOGIN_TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        dependencies = new Dependencies(context.settings(), config, needed, meters, postgresOfCdc);
        dependencies.start();
        supervisor.serverDown(names -> names.stream()
                .anyMatch(name -> Dependencies.critical(name)
                        && dependencies.results().containsKey(name)
                        && dependencies.results().get(name).status() == Status.DOWN));
        supervisor.start(specs);
        lag = new LagMonitor(context.kafka(), config, meters, this::groups, this::inFlight);
        lag.start();
    }

    /**
     * Opens the ops endpoint, unless open already or disabled ({@code http.port=-1}).
     *
     * @param bindHost the address when {@code http.bind.address} is not configured
     * @return its URL, or null when disabled
     */
    public synchronized String openOps(String bindHost) throws IOException {
        int port = config.getInt(ServiceConfig.HTTP_PORT);
        if (ops == null && port >= 0) {
            String host = context.config().containsKey(ServiceConfig.HTTP_BIND_ADDRESS)
                    ? config.getString(ServiceConfig.HTTP_BIND_ADDRESS)
                    : bindHost;
            ops = OpsServer.start(host, port, new Source(), meters);
        }
        return opsUrl();
    }

    /** The ops endpoint's URL, or null when it is disabled. */
    public String opsUrl() {
        return ops == null ? null : ops.url();
    }

    public Supervisor supervisor() {
        return supervisor;
    }

    public PrometheusMeterRegistry meters() {
        return meters;
    }

    /** The {@code /health} document now. */
    public Map<String, Object> health() {
        return HealthReport.document(supervisor.states(), dependencyResults(), supervisor.ready());
    }

    private Map<String, Dependencies.Result> dependencyResults() {
        return dependencies == null ? Map.of() : dependencies.results();
    }

    private List<String> groups() {
        List<String> groups = new ArrayList<>();
        supervisor.running().forEach(component -> groups.addAll(component.consumerGroups()));
        return groups;
    }

    private Map<String, IntSupplier> inFlight() {
        Map<String, IntSupplier> windows = new LinkedHashMap<>();
        supervisor.running().forEach(component -> {
            if (component.inFlight() != null) {
                windows.put(component.name() + "-inflight", component.inFlight());
            }
        });
        return windows;
    }

    /**
     * Stops the components (in reverse start order, each finishing what it has in flight), then the checks and the
     * endpoint.
     *
     * @param summaries whether to take each component's closing summary
     * @return each component's closing summary, when asked for
     */
    public Map<String, Map<String, Object>> stop(boolean summaries) {
        if (lag != null) {
            lag.close();
        }
        Map<String, Map<String, Object>> taken = supervisor.closeAll(summaries);
        if (dependencies != null) {
            dependencies.close();
        }
        if (ops != null) {
            ops.close();
        }
        gc.close();
        return taken;
    }

    @Override
    public void close() {
        stop(false);
    }

    private final class Source implements OpsServer.Source {
        @Override
        public Map<String, Object> health() {
            return ServiceRuntime.this.health();
        }

        @Override
        public Status status() {
            return HealthReport.overall(supervisor.states(), dependencyResults());
        }

        @Override
        public boolean live() {
            return supervisor.live(LIVENESS_LIMIT);
        }

        @Override
        public boolean ready() {
            return supervisor.ready();
        }
    }
}
