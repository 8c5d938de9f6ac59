package io.fieldline.can.dbc;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A node ({@code BU_}): an ECU on the bus.
 *
 * @param name       node name
 * @param comment    {@code CM_ BU_} text, or null
 * @param attributes {@code BA_ ... BU_} values set explicitly
 */
public record DbcNode(String name, String comment, Map<String, AttributeValue> attributes) {
    public DbcNode {
        Objects.requireNonNull(name, "name");
        attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }
}
