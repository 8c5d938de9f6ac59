package io.fieldline.connectors.cdc;

import io.fieldline.schemas.TopicNames;
import java.util.Optional;
import java.util.function.Function;

/**
 * The tables the connector captures, each with the compacted topic its changes go to.
 *
 * <p>Devices, sensors and alert rules carry the Avro contract of {@code schemas/} because the
 * topologies read them as global tables; the rest of the hierarchy is published as generic
 * records whose schema follows the table.
 */
public enum CapturedTable {
    FACILITY("facility", names -> names.prefix() + "metadata.facilities"),
    ZONE("zone", names -> names.prefix() + "metadata.zones"),
    ROOM("room", names -> names.prefix() + "metadata.rooms"),
    RACK("rack", names -> names.prefix() + "metadata.racks"),
    DEVICE("device", TopicNames::devices),
    SENSOR("sensor", TopicNames::sensors),
    ALERT_RULE("alert_rule", TopicNames::alertRules);

    private final String tableName;
    private final Function<TopicNames, String> topic;

    CapturedTable(String tableName, Function<TopicNames, String> topic) {
        this.tableName = tableName;
        this.topic = topic;
    }

    /** The table's name in the database (unqualified). */
    public String tableName() {
        return tableName;
    }

    /** The compacted topic the table's changes are published to. */
    public String topic(TopicNames names) {
        return topic.apply(names);
    }

    /** Whether the value follows a generated Avro class of {@code schemas/} rather than the table. */
    public boolean typed() {
        return this == DEVICE || this == SENSOR || this == ALERT_RULE;
    }

    /** The table with that unqualified name, if it is captured. */
    public static Optional<CapturedTable> byTableName(String name) {
        for (CapturedTable table : values()) {
            if (table.tableName.equals(name)) {
                return Optional.of(table);
            }
        }
        return Optional.empty();
    }
}
