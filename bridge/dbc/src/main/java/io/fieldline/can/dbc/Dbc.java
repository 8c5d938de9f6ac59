package io.fieldline.can.dbc;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed DBC file: immutable, safe to share between threads. Build one with {@link DbcParser}.
 *
 * @param version              {@code VERSION} string, empty when absent
 * @param comment              network comment ({@code CM_ "..."}), or null
 * @param nodes                {@code BU_} nodes
 * @param messages             messages in file order
 * @param valueTables          named {@code VAL_TABLE_} tables
 * @param attributeDefinitions {@code BA_DEF_} definitions by name, with their {@code BA_DEF_DEF_} defaults
 * @param attributes           network attributes set with {@code BA_ "name" value;}
 * @param environmentVariables {@code EV_} names and comments
 */
public record Dbc(
        String version,
        String comment,
        List<DbcNode> nodes,
        List<DbcMessage> messages,
        Map<String, ValueTable> valueTables,
        Map<String, AttributeDefinition> attributeDefinitions,
        Map<String, AttributeValue> attributes,
        List<EnvironmentVariable> environmentVariables) {

    public Dbc {
        Objects.requireNonNull(version, "version");
        nodes = List.copyOf(nodes);
        messages = List.copyOf(messages);
        valueTables = Collections.unmodifiableMap(new LinkedHashMap<>(valueTables));
        attributeDefinitions = Collections.unmodifiableMap(new LinkedHashMap<>(attributeDefinitions));
        attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
        environmentVariables = List.copyOf(environmentVariables);
    }

    /**
     * The message with this arbitration id. When the file defines the same id twice, the later one wins
     * (cantools does the same).
     */
    public Optional<DbcMessage> message(int id, boolean extended) {
        DbcMessage found = null;
        for (DbcMessage m : messages) {
            if (m.id() == id && m.extended() == extended) {
                found = m;
            }
        }
        return Optional.ofNullable(found);
    }

    /** A message by name. */
    public Optional<DbcMessage> message(String name) {
        for (DbcMessage m : messages) {
            if (m.name().equals(name)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /** A node by name. */
    public Optional<DbcNode> node(String name) {
        for (DbcNode n : nodes) {
            if (n.name().equals(name)) {
                return Optional.of(n);
            }
        }
        return Optional.empty();
    }

    /** An attribute of a message: the value set with {@code BA_}, else the definition's default. */
    public Optional<AttributeValue> attribute(DbcMessage message, String name) {
        return resolve(message.attributes(), name);
    }

    /** An attribute of a signal: the value set with {@code BA_}, else the definition's default. */
    public Optional<AttributeValue> attribute(DbcSignal signal, String name) {
        return resolve(signal.attributes(), name);
    }

    /** An attribute of a node: the value set with {@code BA_}, else the definition's default. */
    public Optional<AttributeValue> attribute(DbcNode node, String name) {
        return resolve(node.attributes(), name);
    }

    /** A network attribute: the value set with {@code BA_}, else the definition's default. */
    public Optional<AttributeValue> attribute(String name) {
        return resolve(attributes, name);
    }

    private Optional<AttributeValue> resolve(Map<String, AttributeValue> set, String name) {
        AttributeValue v = set.get(name);
        if (v != null) {
            return Optional.of(v);
        }
        AttributeDefinition def = attributeDefinitions.get(name);
        return def == null ? Optional.empty() : Optional.ofNullable(def.defaultValue());
    }

    /** Messages by name, for callers that look many up. */
    public Map<String, DbcMessage> messagesByName() {
        Map<String, DbcMessage> map = new HashMap<>();
        for (DbcMessage m : messages) {
            map.putIfAbsent(m.name(), m);
        }
        return Collections.unmodifiableMap(map);
    }
}
