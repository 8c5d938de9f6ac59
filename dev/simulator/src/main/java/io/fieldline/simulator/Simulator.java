package io.fieldline.simulator;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the telemetry of a simulated {@link FleetModel} to an MQTT broker at a steady rate,
 * until closed. Message {@code k} belongs to device {@code k mod devices} and is due
 * {@code k / rate} seconds after start; a device in a dropout skips its turn. If the broker
 * cannot keep up, the simulator falls behind instead of bursting to catch up.
 */
public final class Simulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Simulator.class);
    private static final long MAX_LAG_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final SimulatorOptions options;
    private final FleetModel fleet;
    private final Clock clock;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean running;
    private MqttPublisher publisher;
    private Thread thread;

    public Simulator(SimulatorOptions options) {
        this(options, Clock.systemUTC());
    }

    /** A simulator whose samples are stamped by the given clock. */
    public Simulator(SimulatorOptions options, Clock clock) {
        this.options = options;
        this.clock = clock;
        this.fleet = new FleetModel(options.devices(), options.seed(), options.faultRate());
    }

    /** Connects to the broker and starts publishing in the background. */
    public synchronized void start() throws MqttException {
        if (running) {
            return;
        }
        publisher = MqttPublisher.connect(options.mqttUrl(), options.clientId());
        running = true;
        thread = new Thread(this::run, "fieldline-simulator");
        thread.setDaemon(true);
        thread.start();
        LOG.info("Simulator publishing {} devices at {} msg/s to {} (seed {}, QoS {})", options.devices(),
                options.rate(), options.mqttUrl(), options.seed(), options.qos());
    }

    private void run() {
        List<DeviceModel> devices = fleet.devices();
        double intervalNanos = 1e9 / options.rate();
        long start = System.nanoTime();
        long k = 0;
        while (running) {
            long due = start + (long) (k * intervalNanos);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
                continue;
            }
            if (-wait > MAX_LAG_NANOS) {
                // Behind by more than a second: drop the backlog rather than burst.
                start = System.nanoTime() - (long) (k * intervalNanos);
            }
            DeviceModel device = devices.get((int) (k % devices.size()));
            k++;
            DeviceModel.Sample sample = device.sample(Instant.now(clock));
            if (sample == null) {
                skipped.incrementAndGet();
                continue;
            }
            try {
                publisher.publish(FleetModel.topic(options.topicPrefix(), device), FleetModel.json(sample), options.qos());
                published.incrementAndGet();
            } catch (MqttException e) {
                failed.incrementAndGet();
                LOG.debug("Simulator publish failed ({}); the publisher reconnects", e.toString());
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The simulated fleet. */
    public FleetModel fleet() {
        return fleet;
    }

    /** What the simulator did so far. */
    public Stats stats() {
        long faults = fleet.devices().stream().mapToLong(DeviceModel::faultsStarted).sum();
        long spikes = fleet.devices().stream().mapToLong(DeviceModel::spikes).sum();
        return new Stats(published.get(), skipped.get(), failed.get(), faults, spikes);
    }

    /**
     * Counters of a simulator run.
     *
     * @param published messages handed to the broker
     * @param skipped   turns skipped by devices in a dropout
     * @param failed    publishes that failed (broker unreachable)
     * @param faults    faults started (dropouts, climate failures, stuck and drifting sensors)
     * @param spikes    single absurd values emitted
     */
    public record Stats(long published, long skipped, long failed, long faults, long spikes) {
    }

    /** Stops publishing, waits for the broker to acknowledge what is in flight, and disconnects. */
    @Override
    public synchronized void close() {
        if (!running && publisher == null) {
            return;
        }
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (publisher != null) {
            try {
                publisher.flush(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            publisher.close();
            publisher = null;
        }
        LOG.info("Simulator stopped: {}", stats());
    }
}
