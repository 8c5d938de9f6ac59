package io.fieldline.simulator;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * cannot keep up, the simulator falls behind instead of bursting to catch up, and counts the turns
 * it gave up ({@link Stats#missed()}), so the rate it achieved is reported next to the rate asked.
 * The rate can change while it runs ({@link #rate(double)}), and a device can be silenced.
 */
public final class Simulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Simulator.class);

    /** Devices that log in at the same time when each logs in as itself. */
    private static final int CONNECT_WINDOW = 64;

    private static final long MAX_LAG_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Longest sleep, so a rate change takes effect within this even at very low rates. */
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final SimulatorOptions options;
    private final FleetModel fleet;
    private final Clock clock;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong readings = new AtomicLong();
    private final AtomicLong missed = new AtomicLong();
    private final AtomicLong silencedTurns = new AtomicLong();
    private final Set<String> silenced = ConcurrentHashMap.newKeySet();
    private volatile double rate;
    private volatile boolean running;
    private volatile boolean warnedBehind;
    private volatile long startedNanos;
    private volatile long stoppedNanos;
    /** Device id to password: each device connects as itself when given; empty, one anonymous connection. */
    private final Map<String, String> credentials;

    private MqttPublisher publisher;
    /** One connection per device, when the devices log in with their own credentials. */
    private final Map<String, MqttPublisher> devicePublishers = new HashMap<>();

    private Thread thread;

    public Simulator(SimulatorOptions options) {
        this(options, Clock.systemUTC());
    }

    /** A simulator whose samples are stamped by the given clock. */
    public Simulator(SimulatorOptions options, Clock clock) {
        this(options, clock, Map.of());
    }

    /**
     * A simulator whose devices log in to the broker each with its own credentials, one connection per device,
     * with the device id as user name and client id (a broker that authenticates devices lets each publish only on
     * its own topics).
     *
     * @param credentials device id to password, for every device of the fleet; never logged
     */
    public Simulator(SimulatorOptions options, Map<String, String> credentials) {
        this(options, Clock.systemUTC(), credentials);
    }

    private Simulator(SimulatorOptions options, Clock clock, Map<String, String> credentials) {
        this.options = options;
        this.clock = clock;
        this.fleet = new FleetModel(options.devices(), options.seed(), options.faultRate());
        this.rate = options.rate();
        this.credentials = Map.copyOf(credentials);
        if (!credentials.isEmpty()) {
            for (DeviceModel device : fleet.devices()) {
                if (!credentials.containsKey(device.deviceId())) {
                    throw new IllegalArgumentException("no credentials for simulated device " + device.deviceId());
                }
            }
        }
    }

    /** Connects to the broker and starts publishing in the background. */
    public synchronized void start() throws MqttException {
        if (running) {
            return;
        }
        if (credentials.isEmpty()) {
            publisher = MqttPublisher.connect(options.mqttUrl(), options.clientId());
        } else {
            // Up to CONNECT_WINDOW devices send their CONNECT before any answer is awaited: the broker verifies the
            // passwords side by side instead of one connection after the other (12 devices took ~4 s of `up`'s
            // start in turn), and a large fleet does not open every connection at once.
            Map<String, MqttPublisher.Connecting> connecting = new LinkedHashMap<>();
            try {
                List<DeviceModel> devices = fleet.devices();
                for (int from = 0; from < devices.size(); from += CONNECT_WINDOW) {
                    connecting.clear();
                    for (DeviceModel device : devices.subList(from, Math.min(devices.size(), from + CONNECT_WINDOW))) {
                        String id = device.deviceId();
                        connecting.put(
                                id, MqttPublisher.beginConnect(options.mqttUrl(), id, 1000, id, credentials.get(id)));
                    }
                    for (Map.Entry<String, MqttPublisher.Connecting> each : connecting.entrySet()) {
                        devicePublishers.put(each.getKey(), each.getValue().await());
                    }
                }
            } catch (MqttException | RuntimeException e) {
                connecting.values().forEach(MqttPublisher.Connecting::close);
                devicePublishers.values().forEach(MqttPublisher::close);
                devicePublishers.clear();
                throw e;
            }
        }
        running = true;
        startedNanos = System.nanoTime();
        thread = new Thread(this::run, "fieldline-simulator");
        thread.setDaemon(true);
        thread.start();
        LOG.info(
                "Simulator publishing {} devices at {} msg/s to {} (seed {}, QoS {}, {})",
                options.devices(),
                options.rate(),
                options.mqttUrl(),
                options.seed(),
                options.qos(),
                credentials.isEmpty() ? "one anonymous connection" : "each device logged in as itself");
    }

    private void run() {
        List<DeviceModel> devices = fleet.devices();
        // The schedule restarts from "now" whenever the rate changes.
        double phaseRate = rate;
        long phaseStart = System.nanoTime();
        long phaseTurn = 0;
        long k = 0;
        while (running) {
            if (rate != phaseRate) {
                phaseRate = rate;
                phaseStart = System.nanoTime();
                phaseTurn = k;
            }
            double intervalNanos = 1e9 / phaseRate;
            long due = phaseStart + (long) ((k - phaseTurn) * intervalNanos);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(Math.min(wait, MAX_PARK_NANOS));
                continue;
            }
            if (-wait > MAX_LAG_NANOS) {
                // Behind by more than a second: drop the backlog rather than burst, and count the
                // turns given up, so the shortfall is reported instead of hidden.
                long turnsBehind = (long) (-wait / intervalNanos);
                missed.addAndGet(turnsBehind);
                phaseStart = System.nanoTime();
                phaseTurn = k;
                if (!warnedBehind) {
                    warnedBehind = true;
                    LOG.warn(
                            "Simulator is more than a second behind its {} msg/s schedule (the broker or the CPU "
                                    + "cannot keep up); turns it falls behind by are skipped and counted, not burst",
                            phaseRate);
                }
            }
            DeviceModel device = devices.get((int) (k % devices.size()));
            k++;
            if (silenced.contains(device.deviceId())) {
                silencedTurns.incrementAndGet();
                continue;
            }
            DeviceModel.Sample sample = device.sample(Instant.now(clock));
            if (sample == null) {
                skipped.incrementAndGet();
                continue;
            }
            try {
                MqttPublisher through = publisher != null ? publisher : devicePublishers.get(device.deviceId());
                through.publish(
                        FleetModel.topic(options.topicPrefix(), device), FleetModel.json(sample), options.qos());
                published.incrementAndGet();
                readings.addAndGet(sample.metrics().size());
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

    /**
     * Changes the publish rate from now on (messages per second over the whole fleet). Each device
     * then publishes more or less often than its metadata declares.
     */
    public void rate(double messagesPerSecond) {
        if (!(messagesPerSecond > 0) || Double.isInfinite(messagesPerSecond)) {
            throw new IllegalArgumentException(
                    "rate must be a positive number of messages per second, got " + messagesPerSecond);
        }
        rate = messagesPerSecond;
    }

    /** The publish rate asked for now. */
    public double rate() {
        return rate;
    }

    /** Stops publishing for one device (it keeps its turns, which are skipped): a device gone silent. */
    public void silence(String deviceId) {
        if (fleet.devices().stream().noneMatch(d -> d.deviceId().equals(deviceId))) {
            throw new IllegalArgumentException("no device " + deviceId + " in the simulated fleet");
        }
        silenced.add(deviceId);
    }

    /** The simulated fleet. */
    public FleetModel fleet() {
        return fleet;
    }

    /** What the simulator did so far. */
    public Stats stats() {
        long faults =
                fleet.devices().stream().mapToLong(DeviceModel::faultsStarted).sum();
        long spikes = fleet.devices().stream().mapToLong(DeviceModel::spikes).sum();
        long begin = startedNanos;
        long end = stoppedNanos != 0 ? stoppedNanos : System.nanoTime();
        double seconds = begin == 0 ? 0 : (end - begin) / 1e9;
        return new Stats(
                published.get(),
                readings.get(),
                skipped.get(),
                silencedTurns.get(),
                missed.get(),
                failed.get(),
                faults,
                spikes,
                seconds);
    }

    /**
     * Counters of a simulator run.
     *
     * @param published      messages handed to the broker
     * @param readings       readings (metric values) in those messages
     * @param skipped        turns skipped by devices in a dropout
     * @param silenced       turns skipped by devices silenced with {@link #silence(String)}
     * @param missed         turns given up because the simulator fell more than a second behind its
     *                       schedule (the broker or the CPU could not keep up)
     * @param failed         publishes that failed (broker unreachable)
     * @param faults         faults started (dropouts, climate failures, stuck and drifting sensors)
     * @param spikes         single absurd values emitted
     * @param elapsedSeconds seconds since start (until close, once closed)
     */
    public record Stats(
            long published,
            long readings,
            long skipped,
            long silenced,
            long missed,
            long failed,
            long faults,
            long spikes,
            double elapsedSeconds) {

        /** Messages published per second since start: the rate actually achieved. */
        public double achievedRate() {
            return elapsedSeconds > 0 ? published / elapsedSeconds : 0;
        }
    }

    /** Stops publishing, waits for the broker to acknowledge what is in flight, and disconnects. */
    @Override
    public synchronized void close() {
        if (!running && publisher == null && devicePublishers.isEmpty()) {
            return;
        }
        running = false;
        stoppedNanos = System.nanoTime();
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<MqttPublisher> publishers = new java.util.ArrayList<>(devicePublishers.values());
        if (publisher != null) {
            publishers.add(publisher);
        }
        for (MqttPublisher each : publishers) {
            try {
                each.flush(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            each.close();
        }
        publisher = null;
        devicePublishers.clear();
        Stats stats = stats();
        LOG.info(
                "Simulator stopped: {} messages in {} s, {} msg/s achieved of {} asked; {}",
                stats.published(),
                String.format(Locale.ROOT, "%.1f", stats.elapsedSeconds()),
                String.format(Locale.ROOT, "%.0f", stats.achievedRate()),
                rate,
                stats);
    }
}
