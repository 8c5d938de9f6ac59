package io.fieldline.connectors.cdc;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;

/**
 * Turns rows of the untyped hierarchy tables (facility, zone, room, rack) into Avro generic
 * records whose schema is derived from the table's columns.
 *
 * <p>Schema rules, chosen so that the registry's BACKWARD check accepts ordinary migrations:
 * the record is named after the table ({@code io.fieldline.connectors.metadata.Room}); primary-key
 * columns are required; every other column is a union with null, default null, so adding or
 * dropping a column stays compatible. Types: integers to int/long, real to float/double,
 * boolean, text to string, bytea to bytes, arrays to arrays, {@code date} to int (date),
 * {@code time} to int (time-millis), {@code timestamp} to long (timestamp-millis); Debezium
 * already renders {@code timestamptz}, json, uuid and the like as strings, and anything else
 * (decimal with variable scale, geometry) becomes its string form.
 */
public final class TableRecordConverter {

    /** Namespace of the derived record schemas. */
    public static final String NAMESPACE = "io.fieldline.connectors.metadata";

    private final Map<org.apache.kafka.connect.data.Schema, Schema> schemas = new ConcurrentHashMap<>();

    /**
     * The Avro schema of a table's rows.
     *
     * @param table unqualified table name, becomes the record name in PascalCase
     * @param row Connect schema of the row (Debezium's {@code after})
     * @param keyColumns primary-key columns, which stay required
     */
    public Schema schemaOf(String table, org.apache.kafka.connect.data.Schema row, Collection<String> keyColumns) {
        return schemas.computeIfAbsent(row, r -> deriveSchema(table, r, Set.copyOf(keyColumns)));
    }

    /** The row as a record of {@link #schemaOf}. */
    public GenericRecord toRecord(String table, Struct row, Collection<String> keyColumns) {
        Schema schema = schemaOf(table, row.schema(), keyColumns);
        GenericData.Record record = new GenericData.Record(schema);
        for (Field field : row.schema().fields()) {
            Schema.Field avroField = schema.getField(field.name());
            record.put(avroField.pos(), convertValue(field.schema(), row.get(field)));
        }
        return record;
    }

    static Schema deriveSchema(String table, org.apache.kafka.connect.data.Schema row, Set<String> keyColumns) {
        SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record(recordName(table))
                .namespace(NAMESPACE)
                .doc("Row of table " + table + ", captured by Fieldline CDC.")
                .fields();
        for (Field field : row.fields()) {
            Schema type = avroType(field.schema());
            if (keyColumns.contains(field.name())) {
                fields = fields.name(field.name())
                        .doc("Column " + field.name() + " (primary key).")
                        .type(type)
                        .noDefault();
            } else {
                Schema nullable = Schema.createUnion(Schema.create(Schema.Type.NULL), type);
                fields = fields.name(field.name())
                        .doc("Column " + field.name() + ".")
                        .type(nullable)
                        .withDefault(null);
            }
        }
        return fields.endRecord();
    }

    static String recordName(String table) {
        StringBuilder name = new StringBuilder();
        boolean upper = true;
        for (char c : table.toCharArray()) {
            if (!Character.isLetterOrDigit(c)) {
                upper = true;
                continue;
            }
            name.append(upper ? Character.toUpperCase(c) : c);
            upper = false;
        }
        if (name.length() == 0 || !Character.isLetter(name.charAt(0))) {
            name.insert(0, 'T');
        }
        return name.toString();
    }

    private static Schema avroType(org.apache.kafka.connect.data.Schema connect) {
        String logical = connect.name();
        if (Decimal.LOGICAL_NAME.equals(logical)) {
            return Schema.create(Schema.Type.STRING);
        }
        if (Date.LOGICAL_NAME.equals(logical)) {
            return LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT));
        }
        if (Time.LOGICAL_NAME.equals(logical)) {
            return LogicalTypes.timeMillis().addToSchema(Schema.create(Schema.Type.INT));
        }
        if (Timestamp.LOGICAL_NAME.equals(logical)) {
            return LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG));
        }
        return switch (connect.type()) {
            case INT8, INT16, INT32 -> Schema.create(Schema.Type.INT);
            case INT64 -> Schema.create(Schema.Type.LONG);
            case FLOAT32 -> Schema.create(Schema.Type.FLOAT);
            case FLOAT64 -> Schema.create(Schema.Type.DOUBLE);
            case BOOLEAN -> Schema.create(Schema.Type.BOOLEAN);
            case BYTES -> Schema.create(Schema.Type.BYTES);
            case ARRAY -> {
                Schema element = avroType(connect.valueSchema());
                yield Schema.createArray(
                        connect.valueSchema().isOptional()
                                ? Schema.createUnion(Schema.create(Schema.Type.NULL), element)
                                : element);
            }
            default -> Schema.create(Schema.Type.STRING);
        };
    }

    private static Object convertValue(org.apache.kafka.connect.data.Schema connect, Object value) {
        if (value == null) {
            return null;
        }
        String logical = connect.name();
        if (Decimal.LOGICAL_NAME.equals(logical)) {
            return ((java.math.BigDecimal) value).toPlainString();
        }
        if (Date.LOGICAL_NAME.equals(logical)) {
            return (int) TimeUnit.MILLISECONDS.toDays(((java.util.Date) value).getTime());
        }
        if (Time.LOGICAL_NAME.equals(logical)) {
            return (int) ((java.util.Date) value).getTime();
        }
        if (Timestamp.LOGICAL_NAME.equals(logical)) {
            return ((java.util.Date) value).getTime();
        }
        return switch (connect.type()) {
            case INT8, INT16, INT32 -> ((Number) value).intValue();
            case INT64 -> ((Number) value).longValue();
            case FLOAT32 -> ((Number) value).floatValue();
            case FLOAT64 -> ((Number) value).doubleValue();
            case BOOLEAN -> value;
            case BYTES -> value instanceof byte[] bytes ? ByteBuffer.wrap(bytes) : value;
            case ARRAY -> {
                List<Object> items = new ArrayList<>();
                for (Object item : (List<?>) value) {
                    items.add(convertValue(connect.valueSchema(), item));
                }
                yield items;
            }
            default -> value.toString();
        };
    }
}
