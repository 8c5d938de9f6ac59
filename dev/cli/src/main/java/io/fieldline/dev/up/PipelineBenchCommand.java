package io.fieldline.dev.up;

import io.fieldline.app.ConfigOptions;
import io.fieldline.bench.pipeline.ConsumerLag;
import io.fieldline.bench.pipeline.LatencyProbes;
import io.fieldline.bench.pipeline.PipelineThreads;
import io.fieldline.bench.pipeline.ProcessSampler;
import io.fieldline.bench.pipeline.RawBuildingBlocks;
import io.fieldline.core.kafka.ClientRules;
import io.fieldline.schemas.Topics;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.simulator.Simulator;
import io.fieldline.simulator.SimulatorOptions;
import io.fieldline.sink.SinkConfig;
import io.fieldline.sink.SinkMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fieldline bench pipeline}: the whole pipeline of {@code fieldline up} (embedded servers or external ones, the
 * MQTT bridge, the four Streams applications, both sinks, CDC, all in this process) fed by the device simulator over
 * MQTT at a fixed rate of readings per second, or ramped up step by step to the highest rate it sustains. It reports
 * what a user feels: the rate sustained (every consumer group's lag and the MQTT broker's backlog bounded over the
 * measured window), rows per second committed in PostgreSQL, the latency from a reading's publish to its record,
 * row, Redis value and alert (from probe readings, {@link LatencyProbes}), CPU by component and process, resident
 * memory and GC time; and the raw building blocks (producer, consumer, COPY) in the same run, so the figures read as
 * ratios. Results and method: docs/benchmarks.md, "Whole pipeline".
 */
@Command(
        name = "pipeline",
        mixinStandardHelpOptions = true,
        description =
                "Run the whole pipeline (as fieldline up) under a fixed load of --readings-rate readings/s, or --ramp to "
                        + "the highest sustained rate, and report throughput, publish-to-record/enriched/row/Redis/alert latency, CPU, "
                        + "memory and GC, beside the raw producer, consumer and COPY speeds.")
public final class PipelineBenchCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Option(
            names = "--readings-rate",
            paramLabel = "READINGS_PER_S",
            defaultValue = "10000",
            description = "Readings per second the simulator publishes (default: ${DEFAULT-VALUE}); with --ramp, the "
                    + "first step.")
    double rate;

    @Option(
            names = "--duration",
            paramLabel = "SECONDS",
            defaultValue = "120",
            description = "Measured window after the warm-up (default: ${DEFAULT-VALUE}); with --ramp, each step.")
    long durationSeconds;

    @Option(
            names = "--settle",
            paramLabel = "SECONDS",
            defaultValue = "30",
            description = "Warm-up: load before the measured window, not counted (default: ${DEFAULT-VALUE}).")
    long warmupSeconds;

    @Option(
            names = "--devices",
            paramLabel = "N",
            defaultValue = "200",
            description = "Simulated devices, grow rooms (5 readings a message) and poultry houses (10) (default: "
                    + "${DEFAULT-VALUE}).")
    int devices;

    @Option(
            names = "--probe-rate",
            paramLabel = "PER_S",
            defaultValue = "20",
            description = "Latency probes per second, each crossing an alert rule (default: ${DEFAULT-VALUE}).")
    double probeRate;

    @Option(
            names = "--ramp",
            description =
                    "Raise the rate step by step (--ramp-factor) from --readings-rate until a step is not sustained; "
                            + "report the highest sustained step.")
    boolean ramp;

    @Option(
            names = "--ramp-factor",
            paramLabel = "X",
            defaultValue = "1.25",
            description = "Each step's rate over the previous one's (default: ${DEFAULT-VALUE}).")
    double rampFactor;

    @Option(
            names = "--ramp-max",
            paramLabel = "READINGS_PER_S",
            defaultValue = "200000",
            description = "Highest rate a ramp tries (default: ${DEFAULT-VALUE}).")
    double rampMax;

    @Option(
            names = "--max-lag-seconds",
            paramLabel = "SECONDS",
            defaultValue = "10",
            description = "Bounded lag: no consumer group (and not the MQTT broker's backlog) may hold more than this "
                    + "many seconds of input, nor grow by more than a second of input from the first third of the "
                    + "window to the last (default: ${DEFAULT-VALUE}).")
    double maxLagSeconds;

    @Option(
            names = "--raw-records",
            paramLabel = "N",
            defaultValue = "500000",
            description = "Records (and rows) for each raw building block; 0 skips them (default: ${DEFAULT-VALUE}).")
    int rawRecords;

    private final PrintStream out = System.out;
    private volatile boolean passed;

    /** One sample of the lags, taken every few seconds. */
    record LagSample(long atMillis, Map<String, Long> groups, long brokerBacklog) {}

    /** One measured window at one rate. */
    record Window(
            double askedRate,
            double publishedRate,
            double rowsRate,
            Map<LatencyProbes.Stage, LatencyProbes.Result> latency,
            ProcessSampler.Cost cost,
            List<LagSample> lags,
            List<String> unbounded) {

        boolean sustained() {
            return unbounded.isEmpty();
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!(rate > 0)
                || durationSeconds < 1
                || warmupSeconds < 0
                || devices < 1
                || !(probeRate > 0)
                || !(rampFactor > 1)
                || !(maxLagSeconds > 0)
                || rawRecords < 0) {
            throw new IllegalArgumentException(
                    "need --readings-rate > 0, --duration >= 1, --settle >= 0, --devices >= 1, "
                            + "--probe-rate > 0, --ramp-factor > 1, --max-lag-seconds > 0, --raw-records >= 0");
        }
        UpCommand up = new UpCommand();
        up.configOptions = configOptions;
        // up's own simulator and CAN replay stay off: this command runs the load itself, so it can change its rate.
        up.devices = 0;
        up.rate = 1;
        up.noCan = true;
        up.faultRate = 0;
        up.drainSeconds = 5;
        up.durationSeconds = 1;
        up.whenUp = this::measure;
        int code = up.call();
        return code == 0 && passed ? 0 : 1;
    }

    private void measure(UpContext context, double readySeconds) throws Exception {
        List<Long> roots = postgresPostmaster(context);
        out.printf(
                Locale.ROOT,
                "%nReady in %.1f s; whole stack resident memory %.0f MB before load.%n",
                readySeconds,
                ProcessSampler.stackRssNow(roots) / 1e6);
        SimulatorOptions fleet = MqttComponents.simulatorOptions(context, devices, 1, 0);
        List<DemoMetadata.DemoDevice> metadata = MqttComponents.fleetMetadata(fleet);
        double readingsPerMessage =
                metadata.stream().mapToInt(d -> d.sensors().size()).average().orElse(1);
        // Declared intervals from the first rate: the OFFLINE rule judges silence against them.
        SimulatorOptions options = MqttComponents.simulatorOptions(context, devices, rate / readingsPerMessage, 0);
        var dataSource = context.stack().postgres().dataSource();
        DemoMetadata.write(dataSource, MqttComponents.fleetMetadata(options));
        LatencyProbes.writeMetadata(dataSource);
        SinkConfig sink = SinkComponents.config(context);
        Map<String, String> logins = new ConcurrentHashMap<>();
        if (MqttComponents.accessControl(context).isPresent()) {
            List<String> ids = new ArrayList<>(MqttComponents.deviceIds(options));
            ids.add(LatencyProbes.DEVICE);
            SinkComponents.issueLogins(context, sink, ids, logins);
        }
        String probePassword = logins.remove(LatencyProbes.DEVICE);
        Topics topics = new Topics(
                context.topics(), new HttpSchemaRegistryClient(context.service().settings()));
        var kafka = context.service().kafka();
        Map<String, Object> consumerProps = kafka.consumerProperties(ClientRules.of("bench pipeline"));
        LatencyProbes.Settings probeSettings = new LatencyProbes.Settings(
                context.stack().mqtt().url(),
                probePassword == null ? null : LatencyProbes.DEVICE,
                probePassword,
                topics,
                consumerProps,
                dataSource,
                "\"" + sink.schema().replace("\"", "\"\"") + "\".measurement",
                sink.redisUri(),
                sink.redisKeys().deviceLatest(LatencyProbes.DEVICE),
                probeRate);
        List<Window> windows = new ArrayList<>();
        try (Admin admin = Admin.create(kafka.adminProperties(ClientRules.of("bench pipeline")
                        .byDefault(AdminClientConfig.CLIENT_ID_CONFIG, "fieldline-bench-admin")));
                Simulator simulator =
                        logins.isEmpty() ? new Simulator(options) : new Simulator(options, Map.copyOf(logins));
                LatencyProbes probes = new LatencyProbes(probeSettings)) {
            ConsumerLag lag = new ConsumerLag(admin, Set.of());
            probes.start();
            simulator.start();
            out.printf(
                    Locale.ROOT,
                    "Load: %d devices, %.1f readings a message on average; %s probes/s.%n",
                    devices,
                    readingsPerMessage,
                    fmt(probeRate));
            double stepRate = rate;
            long warmup = warmupSeconds;
            while (true) {
                simulator.rate(stepRate / readingsPerMessage);
                out.printf(
                        Locale.ROOT,
                        "%n%s %,.0f readings/s: %d s warm-up, %d s measured...%n",
                        ramp ? "Step:" : "Rate:",
                        stepRate,
                        warmup,
                        durationSeconds);
                out.flush();
                Window window = window(context, simulator, probes, lag, stepRate, readingsPerMessage, warmup, roots);
                windows.add(window);
                print(window);
                if (!ramp || !window.sustained() || stepRate * rampFactor > rampMax) {
                    break;
                }
                stepRate = stepRate * rampFactor;
                // A step continues from the previous one's steady state: a shorter settling time is enough.
                warmup = Math.max(10, warmupSeconds / 2);
            }
        }
        if (ramp) {
            Window best = null;
            for (Window w : windows) {
                if (w.sustained()) {
                    best = w;
                }
            }
            out.println("\nRamp:");
            for (Window w : windows) {
                out.printf(
                        Locale.ROOT,
                        "  %,10.0f readings/s asked, %,10.0f published, %,10.0f rows/s: %s%n",
                        w.askedRate(),
                        w.publishedRate(),
                        w.rowsRate(),
                        w.sustained() ? "sustained" : "NOT sustained (" + String.join("; ", w.unbounded()) + ")");
            }
            out.printf(
                    Locale.ROOT,
                    "  Highest sustained rate: %s%n",
                    best == null
                            ? "none (the first step was not sustained: lower --readings-rate)"
                            : String.format(
                                    Locale.ROOT,
                                    "%,.0f readings/s published, %,.0f rows/s committed",
                                    best.publishedRate(),
                                    best.rowsRate()));
        }
        if (rawRecords > 0) {
            out.println("\nRaw building blocks, same servers, pipeline idle (load stopped):");
            out.flush();
            Map<String, Object> sinkSettings = new LinkedHashMap<>(context.configWithEndpoints());
            RawBuildingBlocks.Result raw = new RawBuildingBlocks(
                            kafka.producerProperties(ClientRules.of("bench pipeline")),
                            consumerProps,
                            kafka.adminProperties(ClientRules.of("bench pipeline")),
                            dataSource,
                            sinkSettings)
                    .run(rawRecords, sink.batchSize());
            out.print(raw.format());
            // The ratio of the rate sustained: the last sustained step of a ramp, else the last window.
            Window last = windows.stream()
                    .filter(Window::sustained)
                    .reduce((a, b) -> b)
                    .orElse(windows.get(windows.size() - 1));
            out.printf(
                    Locale.ROOT,
                    "  Pipeline vs raw: readings published / producer %.3f, rows / COPY %.3f%n",
                    last.publishedRate() / raw.producer(),
                    last.rowsRate() / raw.copy());
        }
        out.printf(Locale.ROOT, "  Load average at the end: %s%n", loadAverage());
        out.flush();
        Window last = windows.get(windows.size() - 1);
        passed = ramp ? windows.stream().anyMatch(Window::sustained) : last.sustained();
    }

    private Window window(
            UpContext context,
            Simulator simulator,
            LatencyProbes probes,
            ConsumerLag lag,
            double stepRate,
            double readingsPerMessage,
            long warmup,
            List<Long> roots)
            throws Exception {
        Thread.sleep(TimeUnit.SECONDS.toMillis(warmup));
        ProcessSampler sampler = new ProcessSampler(PipelineThreads::component, roots);
        long from = System.currentTimeMillis();
        long readingsBefore = simulator.stats().readings();
        double rowsBefore = measurementRows(context);
        sampler.start();
        List<LagSample> lags = new ArrayList<>();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(durationSeconds);
        long every = Math.max(1, Math.min(5, durationSeconds / 6));
        while (true) {
            lags.add(new LagSample(System.currentTimeMillis(), lag.sample(), brokerBacklog(context)));
            long left = end - System.nanoTime();
            if (left <= 0) {
                break;
            }
            Thread.sleep(Math.min(TimeUnit.NANOSECONDS.toMillis(left), TimeUnit.SECONDS.toMillis(every)) + 1);
        }
        ProcessSampler.Cost cost = sampler.stop();
        long until = System.currentTimeMillis();
        double seconds = (until - from) / 1000.0;
        double published = (simulator.stats().readings() - readingsBefore) / seconds;
        double rows = (measurementRows(context) - rowsBefore) / seconds;
        probes.awaitSeen(until, Duration.ofSeconds(15));
        List<String> unbounded = new ArrayList<>();
        if (published < 0.95 * stepRate) {
            unbounded.add(String.format(
                    Locale.ROOT, "the simulator published %,.0f of %,.0f readings/s", published, stepRate));
        }
        unbounded.addAll(unbounded(lags, stepRate, stepRate / readingsPerMessage));
        return new Window(stepRate, published, rows, probes.results(from, until), cost, lags, unbounded);
    }

    /** The groups whose lag (and the broker, whose backlog) was not bounded over the window. */
    private List<String> unbounded(List<LagSample> lags, double readingsRate, double messageRate) {
        List<String> problems = new ArrayList<>();
        if (lags.isEmpty()) {
            return problems;
        }
        double limit = readingsRate * maxLagSeconds;
        double growth = readingsRate;
        Map<String, List<Long>> byGroup = new LinkedHashMap<>();
        for (LagSample sample : lags) {
            sample.groups()
                    .forEach((group, value) -> byGroup.computeIfAbsent(group, g -> new ArrayList<>())
                            .add(value));
        }
        byGroup.forEach((group, values) -> {
            long max = values.stream().mapToLong(Long::longValue).max().orElse(0);
            double grew = trend(values);
            if (max > limit || grew > growth) {
                problems.add(String.format(Locale.ROOT, "%s lag max %,d, grew %,.0f", group, max, grew));
            }
        });
        long backlogMax =
                lags.stream().mapToLong(LagSample::brokerBacklog).max().orElse(0);
        double backlogGrew = trend(lags.stream().map(LagSample::brokerBacklog).toList());
        if (backlogMax > messageRate * maxLagSeconds || backlogGrew > messageRate) {
            problems.add(String.format(
                    Locale.ROOT, "MQTT broker backlog max %,d, grew %,.0f messages", backlogMax, backlogGrew));
        }
        return problems;
    }

    /**
     * How much a lag grew over the window: the mean of the last third of its samples minus the mean of the first
     * third. Lag moves in steps (a Streams commit, a sink batch), so two single samples would judge the noise.
     */
    static double trend(List<Long> values) {
        int third = Math.max(1, values.size() / 3);
        double first = values.subList(0, third).stream()
                .mapToLong(Long::longValue)
                .average()
                .orElse(0);
        double last = values.subList(values.size() - third, values.size()).stream()
                .mapToLong(Long::longValue)
                .average()
                .orElse(0);
        return last - first;
    }

    private void print(Window w) {
        out.printf(
                Locale.ROOT,
                "  Readings published: %,.0f/s (asked %,.0f/s); rows committed in measurement: " + "%,.0f/s%n",
                w.publishedRate(),
                w.askedRate(),
                w.rowsRate());
        out.printf(
                Locale.ROOT,
                "  Sustained: %s%n",
                w.sustained()
                        ? "yes (every consumer group's lag and the MQTT backlog bounded)"
                        : "NO: " + String.join("; ", w.unbounded()));
        Map<String, Long> maxLag = new LinkedHashMap<>();
        for (LagSample s : w.lags()) {
            s.groups().forEach((g, v) -> maxLag.merge(g, v, Math::max));
        }
        out.print("  Largest lag by group:");
        maxLag.forEach((g, v) -> out.printf(Locale.ROOT, " %s %,d;", g, v));
        out.printf(
                Locale.ROOT,
                " MQTT broker backlog %,d%n",
                w.lags().stream().mapToLong(LagSample::brokerBacklog).max().orElse(0));
        out.println("  Latency from publish (probe readings):");
        w.latency()
                .forEach((stage, result) -> out.printf(
                        Locale.ROOT,
                        "    %-46s %s%s%n",
                        stage.label(),
                        result.latency(),
                        result.missing() > 0
                                ? ", " + result.missing() + " of " + result.published() + " not seen within 15 s"
                                : ""));
        out.print(w.cost().format());
        out.printf(Locale.ROOT, "  Load average: %s%n", loadAverage());
        out.flush();
    }

    /**
     * The embedded PostgreSQL's postmaster: it daemonizes, so it is no child of this JVM; it is the parent of the
     * backend serving a connection. None for a database on another machine (or not named postgres here).
     */
    private static List<Long> postgresPostmaster(UpContext context) {
        try (java.sql.Connection c = context.stack().postgres().dataSource().getConnection();
                java.sql.Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return ProcessHandle.of(rs.getLong(1))
                    .flatMap(ProcessHandle::parent)
                    .filter(p -> p.info()
                            .command()
                            .map(cmd -> cmd.endsWith("postgres"))
                            .orElse(false))
                    .map(p -> List.of(p.pid()))
                    .orElse(List.of());
        } catch (java.sql.SQLException e) {
            return List.of();
        }
    }

    /** PostgreSQL rows the sink inserted into measurement, from its meter. */
    private static double measurementRows(UpContext context) {
        return context
                .meters()
                .find(SinkMeters.ROWS)
                .tag("sink", "postgres")
                .tag("table", "measurement")
                .counters()
                .stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    private static long brokerBacklog(UpContext context) {
        Gauge gauge = context.meters().find("fieldline.embedded.mqtt.backlog").gauge();
        return gauge == null ? 0 : (long) gauge.value();
    }

    private static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"))
                    .split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    private static String fmt(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
