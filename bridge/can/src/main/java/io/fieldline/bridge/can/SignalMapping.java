package io.fieldline.bridge.can;

import io.fieldline.can.dbc.DbcMessage;
import io.fieldline.can.dbc.DbcSignal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Which device and sensor a decoded signal becomes: immutable, built from {@link CanBridgeConfig}.
 *
 * <p>Resolution order: the first {@code iface/message/signal=device[/sensor]} rule that matches; otherwise the
 * device of the message's sending node ({@code Node=device}); otherwise the device template
 * ({@code {iface}-{node}} by default). The sensor is the rule's sensor, else the sensor template ({@code {signal}}).
 * Templates take {@code {iface}}, {@code {node}} (first sender of the message, {@code unknown} when none),
 * {@code {message}}, {@code {id}} (candump-style hex id) and {@code {signal}}.
 */
public final class SignalMapping {

    /**
     * Where one signal goes.
     *
     * @param deviceId device id: the Kafka key of its readings
     * @param sensor   sensor name
     */
    public record Target(String deviceId, String sensor) {
        public Target {
            Objects.requireNonNull(deviceId, "deviceId");
            Objects.requireNonNull(sensor, "sensor");
        }
    }

    private record Rule(String iface, String message, Integer id, String signal, String device, String sensor) {
        boolean matches(String i, DbcMessage m, DbcSignal s) {
            return (iface == null || iface.equals(i))
                    && (message == null || message.equals(m.name()))
                    && (id == null || id == m.id())
                    && (signal == null || signal.equals(s.name()));
        }
    }

    private final String deviceTemplate;
    private final String sensorTemplate;
    private final Map<String, String> nodeDevices;
    private final List<Rule> rules;

    private SignalMapping(
            String deviceTemplate, String sensorTemplate, Map<String, String> nodeDevices, List<Rule> rules) {
        this.deviceTemplate = deviceTemplate;
        this.sensorTemplate = sensorTemplate;
        this.nodeDevices = Map.copyOf(nodeDevices);
        this.rules = List.copyOf(rules);
    }

    /** The defaults: device {@code {iface}-{node}}, sensor {@code {signal}}, no rules. */
    public static SignalMapping defaults() {
        return new SignalMapping("{iface}-{node}", "{signal}", Map.of(), List.of());
    }

    /**
     * Parses the configuration form.
     *
     * @param nodeDevices entries {@code Node=device}
     * @param rules       entries {@code iface/message/signal=device[/sensor]}
     * @throws IllegalArgumentException naming the malformed entry
     */
    public static SignalMapping parse(
            String deviceTemplate, String sensorTemplate, List<String> nodeDevices, List<String> rules) {
        checkTemplate(deviceTemplate);
        checkTemplate(sensorTemplate);
        Map<String, String> nodes = new HashMap<>();
        for (String entry : nodeDevices) {
            String[] kv = entry.split("=", -1);
            if (kv.length != 2 || kv[0].isBlank() || kv[1].isBlank()) {
                throw new IllegalArgumentException("expected Node=device, got '" + entry + "'");
            }
            nodes.put(kv[0].strip(), kv[1].strip());
        }
        List<Rule> parsed = new ArrayList<>();
        for (String entry : rules) {
            parsed.add(rule(entry));
        }
        return new SignalMapping(deviceTemplate, sensorTemplate, nodes, parsed);
    }

    private static Rule rule(String entry) {
        String[] kv = entry.split("=", -1);
        if (kv.length != 2) {
            throw new IllegalArgumentException("expected iface/message/signal=device[/sensor], got '" + entry + "'");
        }
        String[] selector = kv[0].strip().split("/", -1);
        String[] target = kv[1].strip().split("/", -1);
        if (selector.length != 3 || target.length < 1 || target.length > 2) {
            throw new IllegalArgumentException("expected iface/message/signal=device[/sensor], got '" + entry + "'");
        }
        for (String part : selector) {
            if (part.isBlank()) {
                throw new IllegalArgumentException("empty selector part in '" + entry + "' (use * for any)");
            }
        }
        for (String part : target) {
            if (part.isBlank()) {
                throw new IllegalArgumentException("empty device or sensor in '" + entry + "'");
            }
            checkTemplate(part);
        }
        String message = selector[1].strip();
        Integer id = null;
        String name = wildcard(message);
        if (name != null && name.toLowerCase(Locale.ROOT).startsWith("0x")) {
            try {
                id = Integer.parseUnsignedInt(name.substring(2), 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected a hex CAN id after 0x in '" + entry + "'");
            }
            name = null;
        } else if (name != null && name.chars().allMatch(Character::isDigit)) {
            id = Integer.parseInt(name);
            name = null;
        }
        return new Rule(
                wildcard(selector[0].strip()),
                name,
                id,
                wildcard(selector[2].strip()),
                wildcard(target[0].strip()),
                target.length == 2 ? target[1].strip() : null);
    }

    private static String wildcard(String part) {
        return part.equals("*") ? null : part;
    }

    static void checkTemplate(String template) {
        String rest = template.replace("{iface}", "")
                .replace("{node}", "")
                .replace("{message}", "")
                .replace("{id}", "")
                .replace("{signal}", "");
        if (rest.indexOf('{') >= 0 || rest.indexOf('}') >= 0) {
            throw new IllegalArgumentException(
                    "unknown placeholder in '" + template + "' (use {iface}, {node}, {message}, {id}, {signal})");
        }
    }

    /** The device and sensor of a signal of a message read on an interface. */
    public Target resolve(String iface, DbcMessage message, DbcSignal signal) {
        String device = null;
        String sensor = null;
        for (Rule r : rules) {
            if (r.matches(iface, message, signal)) {
                device = r.device();
                sensor = r.sensor();
                break;
            }
        }
        if (device == null) {
            device = message.sender().map(nodeDevices::get).orElse(null);
        }
        if (device == null) {
            device = deviceTemplate;
        }
        if (sensor == null) {
            sensor = sensorTemplate;
        }
        return new Target(fill(device, iface, message, signal), fill(sensor, iface, message, signal));
    }

    private static String fill(String template, String iface, DbcMessage message, DbcSignal signal) {
        if (template.indexOf('{') < 0) {
            return template;
        }
        return template.replace("{iface}", iface)
                .replace("{node}", message.sender().orElse("unknown"))
                .replace("{message}", message.name())
                .replace("{id}", message.idText())
                .replace("{signal}", signal.name());
    }
}
