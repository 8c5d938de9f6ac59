package io.fieldline.bridge.mqtt.decode;

import java.util.Map;
import java.util.Optional;

/**
 * What a Sparkplug BIRTH certificate declared for one edge node or device, kept by the bridge
 * between messages so that later DATA messages that send only aliases (and omit datatypes and
 * units) can be decoded.
 *
 * @param metricsByName  metric definitions by name
 * @param metricsByAlias metric definitions by alias (metrics declared with one)
 * @param bdSeq          the node's birth/death sequence number from NBIRTH, or null (devices, or none sent);
 *                       an NDEATH with another bdSeq belongs to an earlier session and is ignored
 */
public record SparkplugBirth(
        Map<String, MetricDefinition> metricsByName, Map<Long, MetricDefinition> metricsByAlias, Long bdSeq) {

    public SparkplugBirth {
        metricsByName = Map.copyOf(metricsByName);
        metricsByAlias = Map.copyOf(metricsByAlias);
    }

    /** The definition behind an alias. */
    public Optional<MetricDefinition> alias(long alias) {
        return Optional.ofNullable(metricsByAlias.get(alias));
    }

    /** The definition of a named metric. */
    public Optional<MetricDefinition> named(String name) {
        return Optional.ofNullable(metricsByName.get(name));
    }

    /**
     * One metric as its BIRTH declared it.
     *
     * @param name     metric name
     * @param datatype Sparkplug datatype code ({@code org.eclipse.tahu.protobuf.SparkplugBProto.DataType})
     * @param unit     engineering unit from the metric's {@code engUnit}/{@code engUnits} property, or null
     */
    public record MetricDefinition(String name, int datatype, String unit) {}
}
