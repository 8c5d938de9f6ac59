package io.fieldline.dev.up;

import io.fieldline.app.service.Component;
import io.fieldline.embedded.MqttAccessControl;
import io.fieldline.embedded.MqttBroker;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the embedded MQTT broker holds for the bridge: its backlog as metrics
 * ({@code fieldline.embedded.mqtt.*}), a WARN while it stays high (the pipeline is behind the
 * devices: back-pressure), and, at stop, a drain: after the simulator stops and before the bridge
 * does, it waits for the bridge to take what the broker still holds, and says how much was left
 * if the wait ran out (the embedded broker's directory is deleted when {@code up} ends).
 */
final class MqttBrokerBacklog implements Component {

    private static final Logger LOG = LoggerFactory.getLogger(MqttBrokerBacklog.class);
    /** A backlog above this, for {@link #SUSTAINED}, is back-pressure worth a WARN. */
    static final long WARN_AT = 1_000;

    static final Duration SUSTAINED = Duration.ofSeconds(10);

    private final Supplier<MqttBroker.PublishCounts> counts;
    private final LongSupplier bridgeAcknowledged;
    private final MeterRegistry meters;
    private final Duration drainTimeout;
    /** The broker's authentication and ACL counts, when it checks them. */
    private Supplier<MqttAccessControl.Counts> access;

    private final List<Meter> registered = new ArrayList<>();
    private ScheduledExecutorService watcher;
    private volatile long maxBacklog;
    private volatile long backlogAtStop = -1;
    private long highSinceNanos = -1;
    private boolean warned;

    MqttBrokerBacklog(
            Supplier<MqttBroker.PublishCounts> counts,
            LongSupplier bridgeAcknowledged,
            MeterRegistry meters,
            Duration drainTimeout) {
        this.counts = counts;
        this.bridgeAcknowledged = bridgeAcknowledged;
        this.meters = meters;
        this.drainTimeout = drainTimeout;
    }

    /** The watch over the embedded broker, if {@code up} started one (none for an external broker). */
    static Optional<Component> of(UpContext context, Duration drainTimeout) {
        return context.stack()
                .startedServer("mqtt")
                .filter(MqttBroker.class::isInstance)
                .map(MqttBroker.class::cast)
                .map(broker -> {
                    MqttBrokerBacklog backlog = new MqttBrokerBacklog(
                            broker::publishCounts,
                            () -> acknowledged(context.meters()),
                            context.meters(),
                            drainTimeout);
                    broker.accessControl().ifPresent(control -> backlog.access = control::counts);
                    return backlog;
                });
    }

    /** Messages the bridge acknowledged to the broker (after Kafka took them), from its meter. */
    private static long acknowledged(MeterRegistry meters) {
        return (long) meters.find("fieldline.mqtt.messages.acknowledged").functionCounters().stream()
                .mapToDouble(FunctionCounter::count)
                .sum();
    }

    @Override
    public String name() {
        return "mqtt-broker-backlog";
    }

    @Override
    public void start() {
        registered.add(FunctionCounter.builder(
                        "fieldline.embedded.mqtt.publishes.incoming",
                        this,
                        b -> b.counts.get().incoming())
                .description("PUBLISH packets the embedded broker received")
                .register(meters));
        registered.add(FunctionCounter.builder(
                        "fieldline.embedded.mqtt.publishes.outgoing",
                        this,
                        b -> b.counts.get().outgoing())
                .description("PUBLISH packets the embedded broker sent to subscribers")
                .register(meters));
        registered.add(FunctionCounter.builder(
                        "fieldline.embedded.mqtt.publishes.dropped",
                        this,
                        b -> b.counts.get().dropped())
                .description("PUBLISH packets the embedded broker dropped")
                .register(meters));
        registered.add(Gauge.builder(
                        "fieldline.embedded.mqtt.backlog",
                        this,
                        b -> b.counts.get().backlog())
                .description("Messages the embedded broker holds that no subscriber has taken yet")
                .register(meters));
        if (access != null) {
            registered.add(FunctionCounter.builder(
                            "fieldline.embedded.mqtt.connects.refused",
                            this,
                            b -> b.access.get().connectsRefused())
                    .description("CONNECTs the embedded broker refused: anonymous, unknown or revoked device, wrong "
                            + "password, a device with another client id")
                    .register(meters));
            registered.add(FunctionCounter.builder(
                            "fieldline.embedded.mqtt.publishes.denied",
                            this,
                            b -> b.access.get().publishesDenied())
                    .description("PUBLISHes the embedded broker refused (a device on another device's topic, a "
                            + "revoked device) and dropped, disconnecting the client")
                    .register(meters));
            registered.add(FunctionCounter.builder(
                            "fieldline.embedded.mqtt.subscriptions.denied",
                            this,
                            b -> b.access.get().subscriptionsDenied())
                    .description("SUBSCRIBEs the embedded broker refused (a device outside its command topics)")
                    .register(meters));
        }
        watcher = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "fieldline-mqtt-backlog");
            thread.setDaemon(true);
            return thread;
        });
        watcher.scheduleAtFixedRate(this::check, 1, 1, TimeUnit.SECONDS);
    }

    private void check() {
        try {
            observe(counts.get().backlog(), System.nanoTime());
        } catch (RuntimeException e) {
            LOG.debug("Cannot read the MQTT broker's counters: {}", e.toString());
        }
    }

    /** One observation of the backlog (the watcher's thread only). */
    void observe(long backlog, long nowNanos) {
        maxBacklog = Math.max(maxBacklog, backlog);
        if (backlog > WARN_AT) {
            if (highSinceNanos < 0) {
                highSinceNanos = nowNanos;
            } else if (!warned && nowNanos - highSinceNanos >= SUSTAINED.toNanos()) {
                warned = true;
                LOG.warn(
                        "Back-pressure: the MQTT broker has held more than {} messages for the bridge for {} s "
                                + "({} now): the pipeline is behind the devices and the broker is queueing. See the "
                                + "bridge's fieldline.mqtt.backpressure and the Streams consumer lag.",
                        WARN_AT,
                        TimeUnit.NANOSECONDS.toSeconds(nowNanos - highSinceNanos),
                        backlog);
            }
        } else if (backlog < WARN_AT / 2) {
            highSinceNanos = -1;
            if (warned) {
                warned = false;
                LOG.info("Back-pressure over: the MQTT broker holds {} messages for the bridge", backlog);
            }
        }
    }

    /** Whether a back-pressure WARN is standing. */
    boolean warned() {
        return warned;
    }

    @Override
    public boolean summarizedAfterClose() {
        return true;
    }

    @Override
    public Map<String, Object> summary() {
        MqttBroker.PublishCounts now = counts.get();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("messages received", now.incoming());
        summary.put("messages sent to subscribers", now.outgoing());
        summary.put("messages dropped", now.dropped());
        summary.put("largest backlog", maxBacklog);
        summary.put("backlog left at stop", backlogAtStop >= 0 ? backlogAtStop : now.backlog());
        if (access != null) {
            MqttAccessControl.Counts counts = access.get();
            summary.put("connects accepted", counts.connectsAccepted());
            summary.put("connects refused", counts.connectsRefused());
            summary.put("publishes refused", counts.publishesDenied());
            summary.put("subscriptions refused", counts.subscriptionsDenied());
        }
        return summary;
    }

    /**
     * Messages the broker took in and the bridge has not acknowledged yet: queued in the broker, or
     * sent and still on their way through the bridge (the broker counts those as sent already).
     */
    private long unacknowledged() {
        MqttBroker.PublishCounts now = counts.get();
        return Math.max(0, now.incoming() - now.dropped() - bridgeAcknowledged.getAsLong());
    }

    /** Runs after the simulator stopped and before the bridge stops: lets the bridge take the backlog. */
    @Override
    public void close() {
        if (watcher != null) {
            watcher.shutdownNow();
        }
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        long backlog = unacknowledged();
        long nextReport = 0;
        while (backlog > 0 && System.nanoTime() < deadline) {
            if (System.nanoTime() >= nextReport) {
                LOG.info(
                        "Waiting for the bridge to take and acknowledge the {} messages the MQTT broker still holds "
                                + "(up to {} s)",
                        backlog,
                        TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime()));
                nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            backlog = unacknowledged();
        }
        backlogAtStop = backlog;
        if (backlog > 0) {
            LOG.warn(
                    "{} messages were still unacknowledged by the bridge after waiting {} s; they stay in the embedded "
                            + "broker's session for the bridge, and "
                            + "are lost with the broker's directory when up ends (--drain sets the wait)",
                    backlog,
                    drainTimeout.toSeconds());
        }
        registered.forEach(meters::remove);
        registered.clear();
    }
}
