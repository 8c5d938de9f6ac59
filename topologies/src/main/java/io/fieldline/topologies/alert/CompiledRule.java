package io.fieldline.topologies.alert;

import io.fieldline.schemas.avro.AlertRule;
import io.fieldline.schemas.avro.Direction;
import io.fieldline.schemas.avro.Severity;

/**
 * An alert rule ready to evaluate. With {@code ABOVE}: violates when value &gt; threshold, clears
 * when value &lt; clear threshold, escalates when value &gt; escalation threshold ({@code BELOW}
 * mirrors it). A clear threshold on the wrong side of the threshold would make an alert flap, so
 * the effective clear threshold is never past the raise threshold.
 */
record CompiledRule(AlertRule rule, Wildcard device, Wildcard sensor, Wildcard room, double clearThreshold) {

    static CompiledRule of(AlertRule rule) {
        double clear = rule.getClearThreshold() == null ? rule.getThreshold() : rule.getClearThreshold();
        clear = rule.getDirection() == Direction.ABOVE
                ? Math.min(clear, rule.getThreshold())
                : Math.max(clear, rule.getThreshold());
        return new CompiledRule(
                rule,
                new Wildcard(rule.getDeviceSelector()),
                new Wildcard(rule.getSensorSelector()),
                new Wildcard(rule.getRoomSelector()),
                clear);
    }

    String id() {
        return rule.getRuleId();
    }

    /** Whether the rule applies to a series; a '*' room selector also matches series with no room. */
    boolean selects(String deviceId, String sensorName, String roomId) {
        return rule.getEnabled()
                && device.matches(deviceId)
                && sensor.matches(sensorName)
                && (room.isMatchAll() || room.matches(roomId));
    }

    boolean violates(double value) {
        return past(value, rule.getThreshold());
    }

    boolean clears(double value) {
        return rule.getDirection() == Direction.ABOVE ? value < clearThreshold : value > clearThreshold;
    }

    boolean escalates(double value) {
        return rule.getEscalationThreshold() != null && past(value, rule.getEscalationThreshold());
    }

    private boolean past(double value, double threshold) {
        return rule.getDirection() == Direction.ABOVE ? value > threshold : value < threshold;
    }

    Direction direction() {
        return rule.getDirection();
    }

    double threshold() {
        return rule.getThreshold();
    }

    Double escalationThreshold() {
        return rule.getEscalationThreshold();
    }

    long forMs() {
        return Math.max(0, rule.getForMs());
    }

    Severity severity() {
        return rule.getSeverity();
    }

    Severity escalationSeverity() {
        return rule.getEscalationSeverity();
    }
}
