package io.fieldline.connectors.cdc;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/** Builds change events shaped like the Debezium PostgreSQL connector's, for unit tests. */
final class ChangeEvents {

    static final Schema SOURCE = SchemaBuilder.struct()
            .name("io.debezium.connector.postgresql.Source")
            .field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA)
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .build();

    private ChangeEvents() {}

    /** A row schema from (column, type) pairs; key columns required, the others optional. */
    static Schema row(String table, List<String> keyColumns, Map<String, Schema> columns) {
        SchemaBuilder builder = SchemaBuilder.struct()
                .name("fieldline_cdc.public." + table + ".Value")
                .optional();
        columns.forEach((name, type) -> builder.field(name, type));
        return builder.build();
    }

    static Map<String, Schema> columns(Object... nameTypePairs) {
        Map<String, Schema> columns = new LinkedHashMap<>();
        for (int i = 0; i < nameTypePairs.length; i += 2) {
            columns.put((String) nameTypePairs[i], (Schema) nameTypePairs[i + 1]);
        }
        return columns;
    }

    static Struct struct(Schema schema, Object... nameValuePairs) {
        Struct struct = new Struct(schema);
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            struct.put((String) nameValuePairs[i], nameValuePairs[i + 1]);
        }
        return struct;
    }

    static Schema keySchema(Schema row, List<String> keyColumns) {
        SchemaBuilder builder = SchemaBuilder.struct().name(row.name().replace(".Value", ".Key"));
        for (String column : keyColumns) {
            builder.field(column, row.field(column).schema());
        }
        return builder.build();
    }

    /** A change event of {@code op} (c, u, r, d) on public.{table}. */
    static SourceRecord change(
            String schemaName,
            String table,
            String op,
            Schema row,
            List<String> keyColumns,
            Struct before,
            Struct after) {
        Schema envelope = SchemaBuilder.struct()
                .name("fieldline_cdc." + schemaName + "." + table + ".Envelope")
                .field("before", row)
                .field("after", row)
                .field("source", SOURCE)
                .field("op", Schema.STRING_SCHEMA)
                .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                .build();
        Struct value = new Struct(envelope)
                .put("before", before)
                .put("after", after)
                .put(
                        "source",
                        new Struct(SOURCE)
                                .put("schema", schemaName)
                                .put("table", table)
                                .put("lsn", 42L))
                .put("op", op)
                .put("ts_ms", 1_700_000_000_000L);
        Schema keySchema = keySchema(row, keyColumns);
        Struct keyRow = after != null ? after : before;
        Struct key = new Struct(keySchema);
        for (String column : keyColumns) {
            key.put(column, keyRow.get(column));
        }
        return new SourceRecord(
                Map.of("server", "fieldline_cdc"),
                Map.of("lsn", 42L),
                "fieldline_cdc." + schemaName + "." + table,
                null,
                keySchema,
                key,
                envelope,
                value);
    }

    static SourceRecord change(
            String table, String op, Schema row, List<String> keyColumns, Struct before, Struct after) {
        return change("public", table, op, row, keyColumns, before, after);
    }

    /** A Debezium heartbeat record. */
    static SourceRecord heartbeat() {
        Schema schema = SchemaBuilder.struct()
                .name("io.debezium.connector.common.Heartbeat")
                .field("ts_ms", Schema.INT64_SCHEMA)
                .build();
        return new SourceRecord(
                Map.of("server", "fieldline_cdc"),
                Map.of("lsn", 43L),
                "__debezium-heartbeat.fieldline_cdc",
                null,
                null,
                null,
                schema,
                new Struct(schema).put("ts_ms", 1L));
    }
}
