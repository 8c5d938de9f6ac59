package io.fieldline.simulator;

import java.util.Objects;

/**
 * How a {@link Simulator} runs.
 *
 * @param mqttUrl     broker URI, {@code tcp://host:port}
 * @param clientId    MQTT client id of the simulator's publisher
 * @param devices     number of devices (grow rooms and poultry houses, alternating)
 * @param rate        messages per second for the whole fleet: each device publishes every
 *                    {@code devices / rate} seconds, one JSON message with all its metrics
 * @param seed        seed of the fleet (the same seed gives the same fleet and values)
 * @param qos         publish QoS, 0 to 2
 * @param faultRate   fault frequency multiplier (1 normal, 0 none, 10 a bad day)
 * @param topicPrefix prepended to every topic (empty for {@code sites/...})
 */
public record SimulatorOptions(
        String mqttUrl,
        String clientId,
        int devices,
        double rate,
        long seed,
        int qos,
        double faultRate,
        String topicPrefix) {

    public SimulatorOptions {
        Objects.requireNonNull(mqttUrl, "mqttUrl");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(topicPrefix, "topicPrefix");
        if (devices < 1) {
            throw new IllegalArgumentException("devices must be at least 1, got " + devices);
        }
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("rate must be a positive number of messages per second, got " + rate);
        }
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2, got " + qos);
        }
        if (faultRate < 0) {
            throw new IllegalArgumentException("faultRate must not be negative, got " + faultRate);
        }
    }

    /** Defaults for a small demo fleet: 20 devices, 20 messages/s, seed 42, QoS 1, normal faults. */
    public static SimulatorOptions defaults(String mqttUrl) {
        return new SimulatorOptions(mqttUrl, "fieldline-simulator", 20, 20, 42, 1, 1.0, "");
    }

    /** These options with another fleet size and rate. */
    public SimulatorOptions withFleet(int deviceCount, double messagesPerSecond) {
        return new SimulatorOptions(
                mqttUrl, clientId, deviceCount, messagesPerSecond, seed, qos, faultRate, topicPrefix);
    }
}
