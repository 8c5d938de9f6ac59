package io.fieldline.connectors.cdc;

import io.fieldline.schemas.TopicNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Decides what one Debezium change event becomes on Kafka: a keyed Avro value on the table's
 * compacted topic, a tombstone for a delete, nothing (heartbeats, logical-decoding messages,
 * tables not captured), or an invalid row to dead-letter.
 *
 * <p>Pure apart from the device placement lookup it is given: no Kafka, no registry.
 */
public final class ChangeEventRouter {

    private final String schema;
    private final TopicNames topics;
    private final DevicePlacement.Lookup placements;
    private final TableRecordConverter tableRecords = new TableRecordConverter();

    /**
     * @param schema database schema of the captured tables
     * @param topics topic names (with the deployment's prefix)
     * @param placements resolves a device's room and facility
     */
    public ChangeEventRouter(String schema, TopicNames topics, DevicePlacement.Lookup placements) {
        this.schema = Objects.requireNonNull(schema, "schema");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.placements = Objects.requireNonNull(placements, "placements");
    }

    /** What a change event becomes. */
    public sealed interface Routed {}

    /**
     * A record to publish.
     *
     * @param table the captured table
     * @param topic the compacted topic
     * @param key the primary key as a string
     * @param value the Avro value (a generated class or a GenericRecord), null for a tombstone
     * @param operation Debezium's operation: r (snapshot read), c, u or d
     */
    public record Publish(CapturedTable table, String topic, String key, Object value, String operation)
            implements Routed {}

    /** Nothing to publish (heartbeat, message, table not captured); the position still counts as processed. */
    public record Skip(String why) implements Routed {}

    /** A captured row that cannot be mapped; goes to the dead-letter topic. */
    public record Invalid(CapturedTable table, String reason, RuntimeException cause) implements Routed {}

    /** Routes one event. Never throws for bad rows: they come back as {@link Invalid}. */
    public Routed route(SourceRecord event) {
        if (!(event.value() instanceof Struct envelope) || envelope.schema().field("op") == null) {
            return new Skip("not a row change: " + event.topic());
        }
        Struct source = child(envelope, "source");
        String table = source == null ? null : optional(source, "table");
        String tableSchema = source == null ? null : optional(source, "schema");
        if (table == null || !schema.equals(tableSchema)) {
            return new Skip("not a captured table: " + tableSchema + "." + table);
        }
        CapturedTable captured = CapturedTable.byTableName(table).orElse(null);
        if (captured == null) {
            return new Skip("not a captured table: " + tableSchema + "." + table);
        }
        String op = envelope.getString("op");
        try {
            return switch (op) {
                case "c", "u", "r" -> upsert(captured, event, child(envelope, "after"), op);
                case "d" -> delete(captured, event, child(envelope, "before"));
                default -> new Skip("operation " + op + " on " + table);
            };
        } catch (InvalidRowException e) {
            return new Invalid(captured, e.getMessage(), e);
        } catch (RuntimeException e) {
            // A conversion failure on a row (unexpected type) is a property of that row, not of the pipeline.
            if (e instanceof org.apache.kafka.connect.errors.DataException
                    || e instanceof org.apache.avro.AvroRuntimeException
                    || e instanceof ClassCastException) {
                return new Invalid(captured, captured.tableName() + ": " + e, e);
            }
            throw e;
        }
    }

    private Routed upsert(CapturedTable table, SourceRecord event, Struct after, String op) {
        if (after == null) {
            throw new InvalidRowException(table.tableName() + ": " + op + " event without an 'after' row");
        }
        String topic = table.topic(topics);
        return switch (table) {
            case DEVICE ->
                new Publish(
                        table,
                        topic,
                        MetadataRowMapper.deviceKey(after),
                        MetadataRowMapper.device(after, placements),
                        op);
            case SENSOR ->
                new Publish(table, topic, MetadataRowMapper.sensorKey(after), MetadataRowMapper.sensor(after), op);
            case ALERT_RULE ->
                new Publish(
                        table, topic, MetadataRowMapper.alertRuleKey(after), MetadataRowMapper.alertRule(after), op);
            default -> {
                List<String> keyColumns = keyColumns(event);
                yield new Publish(
                        table,
                        topic,
                        genericKey(table, after, keyColumns),
                        tableRecords.toRecord(table.tableName(), after, keyColumns),
                        op);
            }
        };
    }

    private Routed delete(CapturedTable table, SourceRecord event, Struct before) {
        // With the default replica identity, 'before' holds the primary key columns only: enough for the key.
        Struct row = before != null ? before : (event.key() instanceof Struct key ? key : null);
        if (row == null) {
            throw new InvalidRowException(table.tableName() + ": delete event without key columns");
        }
        String key = switch (table) {
            case DEVICE -> MetadataRowMapper.deviceKey(row);
            case SENSOR -> MetadataRowMapper.sensorKey(row);
            case ALERT_RULE -> MetadataRowMapper.alertRuleKey(row);
            default -> genericKey(table, row, keyColumns(event));
        };
        return new Publish(table, table.topic(topics), key, null, "d");
    }

    private static List<String> keyColumns(SourceRecord event) {
        List<String> columns = new ArrayList<>();
        if (event.keySchema() != null && event.keySchema().type() == org.apache.kafka.connect.data.Schema.Type.STRUCT) {
            for (Field field : event.keySchema().fields()) {
                columns.add(field.name());
            }
        }
        return columns;
    }

    private static String genericKey(CapturedTable table, Struct row, List<String> keyColumns) {
        if (keyColumns.isEmpty()) {
            throw new InvalidRowException(table.tableName() + " has no primary key: cannot key its topic");
        }
        List<String> parts = new ArrayList<>(keyColumns.size());
        for (String column : keyColumns) {
            parts.add(MetadataRowMapper.requiredString(row, column));
        }
        return String.join("/", parts);
    }

    private static Struct child(Struct parent, String name) {
        Field field = parent.schema().field(name);
        return field == null ? null : parent.getStruct(name);
    }

    private static String optional(Struct struct, String name) {
        Field field = struct.schema().field(name);
        Object value = field == null ? null : struct.get(field);
        return value == null ? null : value.toString();
    }
}
