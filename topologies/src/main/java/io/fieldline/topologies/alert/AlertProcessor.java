package io.fieldline.topologies.alert;

import io.fieldline.schemas.avro.Alert;
import io.fieldline.schemas.avro.AlertRule;
import io.fieldline.schemas.avro.Device;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Sensor;
import io.fieldline.topologies.internal.MetadataKeys;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * Runs {@link AlertStateMachine} for every series of the task's partitions.
 *
 * <p>Rules come from a global table, so every task sees every rule; each task keeps a compiled
 * copy and re-reads the table at most every {@code rulesRefresh} of wall-clock time (deserialising
 * the whole table per reading would cost more than the evaluation). A change of the rule set
 * sweeps the series states at once, so a deleted or disabled rule clears its alerts even on
 * series that have gone quiet, at the series' own event time (the time its alerts are on).
 *
 * <p>The offline check runs on a wall-clock punctuator, but judges silence on the task's input time
 * ({@link InputClock}): the newest ingest time seen on the partition. A device is offline when the
 * input has moved on without it, so lag, batches, a rebalance, a restart or a backlog drain never
 * make devices that kept publishing look silent. After a restart or a rebalance the input time starts
 * from the newest series the restored store has heard of.
 */
final class AlertProcessor implements Processor<String, Reading, String, Alert> {

    // A separator no device id or sensor name contains; the state holds both parts anyway.
    private static final char KEY_SEPARATOR = '\u001f';

    private final AlertSettings settings;
    private final AlertStateMachine machine;

    private ProcessorContext<String, Alert> context;
    private KeyValueStore<String, SeriesAlertState> series;
    private TimestampedKeyValueStore<String, AlertRule> ruleTable;
    private TimestampedKeyValueStore<String, Device> deviceTable;
    private TimestampedKeyValueStore<String, Sensor> sensorTable;
    private Map<String, AlertRule> loadedRules;
    private Map<String, CompiledRule> rules;
    private long rulesLoadedAt;
    private InputClock input;

    AlertProcessor(AlertSettings settings) {
        this.settings = settings;
        this.machine = new AlertStateMachine(settings.offlineFactor(), settings.offlineSeverity());
    }

    @Override
    public void init(ProcessorContext<String, Alert> context) {
        this.context = context;
        this.series = context.getStateStore(AlertTopology.SERIES_STORE);
        this.ruleTable = context.getStateStore(AlertTopology.RULES_STORE);
        this.deviceTable = context.getStateStore(AlertTopology.DEVICES_STORE);
        this.sensorTable = context.getStateStore(AlertTopology.SENSORS_STORE);
        this.loadedRules = null;
        this.input = new InputClock(settings.offlineIdleGrace().toMillis(), context.currentSystemTimeMs());
        if (settings.offlineEnabled()) {
            context.schedule(settings.offlineCheckInterval(), PunctuationType.WALL_CLOCK_TIME, this::checkOffline);
        }
    }

    @Override
    public void process(Record<String, Reading> record) {
        Reading reading = record.value();
        if (reading == null) {
            return;
        }
        long now = context.currentSystemTimeMs();
        refreshRules(now);
        String key = reading.getDeviceId() + KEY_SEPARATOR + reading.getSensor();
        SeriesAlertState state = series.get(key);
        if (state == null) {
            state = new SeriesAlertState(reading.getDeviceId(), reading.getSensor());
        }
        if (now - state.intervalResolvedAtWallClock >= settings.rulesRefresh().toMillis()
                || state.intervalResolvedAtWallClock == Long.MIN_VALUE) {
            state.expectedIntervalMs = expectedInterval(reading.getDeviceId(), reading.getSensor());
            state.intervalResolvedAtWallClock = now;
        }
        long seenAt = Math.min(reading.getIngestTime().toEpochMilli(), now);
        long inputTime = input.onRecord(seenAt, now);
        List<Alert> alerts = machine.onReading(state, reading, rules, seenAt, inputTime);
        series.put(key, state);
        alerts.forEach(this::forward);
    }

    private void checkOffline(long now) {
        refreshRules(now);
        if (!input.isKnown()) {
            // Restarted or moved here: go on from the newest series the restored store heard of.
            try (KeyValueIterator<String, SeriesAlertState> all = series.all()) {
                all.forEachRemaining(entry -> input.restore(entry.value.lastSeen));
            }
            if (!input.isKnown()) {
                return;
            }
        }
        long inputTime = input.now(now);
        List<KeyValue<String, SeriesAlertState>> changed = new ArrayList<>();
        List<Alert> alerts = new ArrayList<>();
        try (KeyValueIterator<String, SeriesAlertState> all = series.all()) {
            while (all.hasNext()) {
                KeyValue<String, SeriesAlertState> entry = all.next();
                Alert alert = machine.onInputTime(entry.value, inputTime);
                if (alert != null) {
                    alerts.add(alert);
                    changed.add(entry);
                }
            }
        }
        changed.forEach(entry -> series.put(entry.key, entry.value));
        alerts.forEach(this::forward);
    }

    private void refreshRules(long now) {
        if (loadedRules != null && now - rulesLoadedAt < settings.rulesRefresh().toMillis()) {
            return;
        }
        Map<String, AlertRule> current = new HashMap<>();
        try (KeyValueIterator<String, ValueAndTimestamp<AlertRule>> all = ruleTable.all()) {
            all.forEachRemaining(entry -> {
                AlertRule rule = entry.value == null ? null : entry.value.value();
                if (rule != null) {
                    current.put(entry.key, rule);
                }
            });
        }
        rulesLoadedAt = now;
        if (current.equals(loadedRules)) {
            return;
        }
        boolean firstLoad = loadedRules == null;
        loadedRules = current;
        Map<String, CompiledRule> compiled = new HashMap<>();
        current.forEach((id, rule) -> compiled.put(id, CompiledRule.of(rule)));
        rules = compiled;
        if (!firstLoad) {
            sweep();
        }
    }

    /** Clears alerts of rules that disappeared, were disabled or stopped selecting their series. */
    private void sweep() {
        List<KeyValue<String, SeriesAlertState>> changed = new ArrayList<>();
        List<Alert> alerts = new ArrayList<>();
        try (KeyValueIterator<String, SeriesAlertState> all = series.all()) {
            while (all.hasNext()) {
                KeyValue<String, SeriesAlertState> entry = all.next();
                int before = entry.value.rules.size();
                // Threshold alerts are on event time: clearing at the wall clock would put the clear
                // after raises still to come from older readings, which the sinks would then drop.
                alerts.addAll(machine.onRulesChanged(entry.value, rules, entry.value.lastEventTime));
                if (entry.value.rules.size() != before) {
                    changed.add(entry);
                }
            }
        }
        changed.forEach(entry -> series.put(entry.key, entry.value));
        alerts.forEach(this::forward);
    }

    private long expectedInterval(String deviceId, String sensorName) {
        Sensor sensor = valueOf(sensorTable.get(MetadataKeys.sensor(deviceId, sensorName)));
        if (sensor != null && sensor.getExpectedIntervalMs() != null && sensor.getExpectedIntervalMs() > 0) {
            return sensor.getExpectedIntervalMs();
        }
        Device device = valueOf(deviceTable.get(deviceId));
        if (device != null && device.getExpectedIntervalMs() != null && device.getExpectedIntervalMs() > 0) {
            return device.getExpectedIntervalMs();
        }
        return settings.offlineDefaultInterval().toMillis();
    }

    private static <T> T valueOf(ValueAndTimestamp<T> value) {
        return value == null ? null : value.value();
    }

    private void forward(Alert alert) {
        Instant time = alert.getEventTime();
        context.forward(new Record<>(alert.getAlertId(), alert, time.toEpochMilli()));
    }
}
