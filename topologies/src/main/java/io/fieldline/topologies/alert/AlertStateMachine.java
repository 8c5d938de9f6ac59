package io.fieldline.topologies.alert;

import io.fieldline.schemas.avro.Alert;
import io.fieldline.schemas.avro.AlertKind;
import io.fieldline.schemas.avro.AlertState;
import io.fieldline.schemas.avro.Direction;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Severity;
import io.fieldline.topologies.alert.SeriesAlertState.Phase;
import io.fieldline.topologies.alert.SeriesAlertState.RuleState;
import io.fieldline.topologies.internal.MetadataKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The alert state machine of one series, as pure functions of its state, the rules and the input;
 * they return the transitions to publish (usually none) and update the state in place.
 *
 * <p>Per (rule, series), on event time, readings in arrival order:
 * <pre>
 *   quiet   --violating, forMs = 0-----------------------------&gt; RAISED   (emit RAISED)
 *   quiet   --violating, forMs &gt; 0-----------------------------&gt; PENDING  (since = this reading)
 *   PENDING --violating, t - since &gt;= forMs---------------------&gt; RAISED   (emit RAISED, since kept)
 *   PENDING --not violating-----------------------------------&gt; quiet    (debounced away, nothing emitted)
 *   RAISED  --past the clear threshold------------------------&gt; quiet    (emit CLEARED)
 *   RAISED  --past the escalation threshold, not yet escalated-&gt; RAISED   (emit ESCALATED, once)
 *   any     --rule deleted, disabled or no longer selecting----&gt; quiet    (emit CLEARED if it was RAISED)
 * </pre>
 * A reading already past the escalation threshold when the alert raises gives one RAISED record
 * at the escalation severity and threshold. Readings of BAD quality, non-finite values and
 * readings older than the newest one seen for the series (stale) are not evaluated against the
 * rules; they still count as signs of life for offline detection.
 *
 * <p>Offline, on the task's input time ({@link InputClock}), not on the wall clock: a series not heard
 * of while the input moved on by {@code factor} times its expected interval raises an OFFLINE alert
 * ({@code offline/deviceId/sensor}) once; its next reading clears it. Both transitions are stamped
 * with input time, and never earlier than the series' previous OFFLINE transition, so a clear is never
 * older than its raise (the sinks keep the newest transition of each alert and would drop it).
 */
final class AlertStateMachine {

    /** Rule id of OFFLINE alerts. */
    static final String OFFLINE_RULE = "offline";

    private final double offlineFactor;
    private final Severity offlineSeverity;

    AlertStateMachine(double offlineFactor, Severity offlineSeverity) {
        this.offlineFactor = offlineFactor;
        this.offlineSeverity = offlineSeverity;
    }

    /**
     * A reading of the series arrived.
     *
     * @param seenAt    the reading's input time (its ingest time, capped by the wall clock)
     * @param inputTime the task's input time after it
     */
    List<Alert> onReading(
            SeriesAlertState state, Reading reading, Map<String, CompiledRule> rules, long seenAt, long inputTime) {
        List<Alert> alerts = new ArrayList<>(0);
        long time = reading.getEventTime().toEpochMilli();
        if (reading.getSite() != null) {
            state.site = reading.getSite();
        }
        if (reading.getRoom() != null) {
            state.room = reading.getRoom();
        }
        state.lastSeen = Math.max(state.lastSeen, seenAt);
        if (state.offline) {
            state.offline = false;
            alerts.add(offlineAlert(
                    state,
                    AlertState.CLEARED,
                    offlineTransitionTime(state, inputTime),
                    "data from " + state.deviceId + "/" + state.sensor + " again"));
        }
        double value = reading.getValue();
        boolean stale = time < state.lastEventTime;
        if (stale || reading.getQuality() == Quality.BAD || !Double.isFinite(value)) {
            return alerts;
        }
        state.lastEventTime = time;
        for (CompiledRule rule : rules.values()) {
            if (rule.selects(state.deviceId, state.sensor, state.room)) {
                evaluate(state, rule, value, time, alerts);
            }
        }
        alerts.addAll(onRulesChanged(state, rules, time));
        return alerts;
    }

    private void evaluate(SeriesAlertState state, CompiledRule rule, double value, long time, List<Alert> alerts) {
        RuleState current = state.rules.get(rule.id());
        if (current == null || current.phase == Phase.PENDING) {
            if (!rule.violates(value)) {
                state.rules.remove(rule.id());
                return;
            }
            long since = current == null ? time : current.since;
            if (time - since >= rule.forMs()) {
                RuleState raised = new RuleState(Phase.RAISED, since);
                raised.direction = rule.direction();
                raised.threshold = rule.threshold();
                raised.clearThreshold = rule.clearThreshold();
                raised.escalated = rule.escalates(value);
                raised.severity = raised.escalated ? rule.escalationSeverity() : rule.severity();
                state.rules.put(rule.id(), raised);
                double crossed = raised.escalated ? rule.escalationThreshold() : rule.threshold();
                alerts.add(thresholdAlert(
                        state,
                        rule.id(),
                        raised,
                        AlertState.RAISED,
                        value,
                        crossed,
                        time,
                        String.format(
                                Locale.ROOT,
                                "%s/%s %s %s%s: %s",
                                state.deviceId,
                                state.sensor,
                                word(rule.direction()),
                                crossed,
                                duration(time - since),
                                value)));
            } else if (current == null) {
                state.rules.put(rule.id(), new RuleState(Phase.PENDING, time));
            }
            return;
        }
        // RAISED: the thresholds may have changed since; evaluate against the rule as it is now.
        current.direction = rule.direction();
        current.threshold = rule.threshold();
        current.clearThreshold = rule.clearThreshold();
        if (rule.clears(value)) {
            state.rules.remove(rule.id());
            alerts.add(thresholdAlert(
                    state,
                    rule.id(),
                    current,
                    AlertState.CLEARED,
                    value,
                    rule.threshold(),
                    time,
                    String.format(
                            Locale.ROOT,
                            "%s/%s back past %s: %s",
                            state.deviceId,
                            state.sensor,
                            rule.clearThreshold(),
                            value)));
        } else if (!current.escalated && rule.escalates(value)) {
            current.escalated = true;
            current.severity = rule.escalationSeverity();
            alerts.add(thresholdAlert(
                    state,
                    rule.id(),
                    current,
                    AlertState.ESCALATED,
                    value,
                    rule.escalationThreshold(),
                    time,
                    String.format(
                            Locale.ROOT,
                            "%s/%s %s %s (escalation): %s",
                            state.deviceId,
                            state.sensor,
                            word(rule.direction()),
                            rule.escalationThreshold(),
                            value)));
        }
    }

    /**
     * Drops the state of rules that no longer select the series (deleted, disabled, selector
     * changed), clearing those that were raised; {@code time} is the transition time.
     */
    List<Alert> onRulesChanged(SeriesAlertState state, Map<String, CompiledRule> rules, long time) {
        List<Alert> alerts = new ArrayList<>(0);
        Iterator<Map.Entry<String, RuleState>> entries = state.rules.entrySet().iterator();
        while (entries.hasNext()) {
            Map.Entry<String, RuleState> entry = entries.next();
            CompiledRule rule = rules.get(entry.getKey());
            if (rule != null && rule.selects(state.deviceId, state.sensor, state.room)) {
                continue;
            }
            entries.remove();
            RuleState dropped = entry.getValue();
            if (dropped.phase == Phase.RAISED) {
                String why = rule == null ? "deleted" : !rule.rule().getEnabled() ? "disabled" : "no longer selects it";
                alerts.add(thresholdAlert(
                        state,
                        entry.getKey(),
                        dropped,
                        AlertState.CLEARED,
                        null,
                        dropped.threshold,
                        time,
                        String.format(
                                Locale.ROOT, "%s/%s: rule %s %s", state.deviceId, state.sensor, entry.getKey(), why)));
            }
        }
        return alerts;
    }

    /** The offline check at input time {@code inputTime} ({@link InputClock#now}); null when nothing changes. */
    Alert onInputTime(SeriesAlertState state, long inputTime) {
        if (state.offline || state.lastSeen == Long.MIN_VALUE) {
            return null;
        }
        long silentFor = inputTime - state.lastSeen;
        if (silentFor < offlineFactor * state.expectedIntervalMs) {
            return null;
        }
        state.offline = true;
        return offlineAlert(
                state,
                AlertState.RAISED,
                offlineTransitionTime(state, inputTime),
                String.format(
                        Locale.ROOT,
                        "no data from %s/%s for %s (expected every %s)",
                        state.deviceId,
                        state.sensor,
                        Duration.ofMillis(silentFor),
                        Duration.ofMillis(state.expectedIntervalMs)));
    }

    /** The time of a new OFFLINE transition: the input time, but never before the previous one. */
    private static long offlineTransitionTime(SeriesAlertState state, long inputTime) {
        state.offlineChangedAt = Math.max(inputTime, state.offlineChangedAt);
        return state.offlineChangedAt;
    }

    private Alert offlineAlert(SeriesAlertState state, AlertState transition, long time, String message) {
        return Alert.newBuilder()
                .setAlertId(MetadataKeys.alert(OFFLINE_RULE, state.deviceId, state.sensor))
                .setRuleId(OFFLINE_RULE)
                .setKind(AlertKind.OFFLINE)
                .setState(transition)
                .setSeverity(offlineSeverity)
                .setDeviceId(state.deviceId)
                .setSensor(state.sensor)
                .setSite(state.site)
                .setRoom(state.room)
                .setSince(Instant.ofEpochMilli(Math.max(0, state.lastSeen)))
                .setEventTime(Instant.ofEpochMilli(time))
                .setMessage(message)
                .build();
    }

    private static Alert thresholdAlert(
            SeriesAlertState state,
            String ruleId,
            RuleState rule,
            AlertState transition,
            Double value,
            double threshold,
            long time,
            String message) {
        return Alert.newBuilder()
                .setAlertId(MetadataKeys.alert(ruleId, state.deviceId, state.sensor))
                .setRuleId(ruleId)
                .setKind(AlertKind.THRESHOLD)
                .setState(transition)
                .setSeverity(rule.severity)
                .setDeviceId(state.deviceId)
                .setSensor(state.sensor)
                .setSite(state.site)
                .setRoom(state.room)
                .setDirection(rule.direction)
                .setValue(value)
                .setThreshold(threshold)
                .setClearThreshold(rule.clearThreshold)
                .setSince(Instant.ofEpochMilli(rule.since))
                .setEventTime(Instant.ofEpochMilli(time))
                .setMessage(message)
                .build();
    }

    private static String word(Direction direction) {
        return direction == Direction.ABOVE ? "above" : "below";
    }

    private static String duration(long ms) {
        return ms <= 0
                ? ""
                : " for " + Duration.ofMillis(ms).toString().substring(2).toLowerCase(Locale.ROOT);
    }
}
