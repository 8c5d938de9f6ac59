package io.fieldline.connectors.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.Test;

class TableRecordConverterTest {

    private static final org.apache.kafka.connect.data.Schema FACILITY = SchemaBuilder.struct()
            .name("fieldline_cdc.public.facility.Value")
            .field("facility_id", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
            .field("name", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
            .field("birds_start", org.apache.kafka.connect.data.Schema.OPTIONAL_INT32_SCHEMA)
            .field("area_m2", org.apache.kafka.connect.data.Schema.OPTIONAL_FLOAT32_SCHEMA)
            .field("active", org.apache.kafka.connect.data.Schema.BOOLEAN_SCHEMA)
            .field("opened_on", Date.builder().optional().build())
            .field("updated_at", Timestamp.builder().optional().build())
            .field("created_at", org.apache.kafka.connect.data.Schema.OPTIONAL_STRING_SCHEMA)
            .field("logo", org.apache.kafka.connect.data.Schema.OPTIONAL_BYTES_SCHEMA)
            .field(
                    "tags",
                    SchemaBuilder.array(org.apache.kafka.connect.data.Schema.OPTIONAL_STRING_SCHEMA)
                            .optional()
                            .build())
            .build();

    private final TableRecordConverter converter = new TableRecordConverter();

    @Test
    void shouldKeepKeyColumnsRequiredAndMakeEveryOtherColumnNullableWithNullDefault() {
        Schema schema = converter.schemaOf("facility", FACILITY, List.of("facility_id"));

        assertThat(schema.getFullName()).isEqualTo("io.fieldline.connectors.metadata.Facility");
        assertThat(schema.getField("facility_id").schema().getType()).isEqualTo(Schema.Type.STRING);
        for (String column : List.of("name", "birds_start", "active", "tags")) {
            Schema.Field field = schema.getField(column);
            assertThat(field.schema().getType()).as(column).isEqualTo(Schema.Type.UNION);
            assertThat(field.schema().getTypes().get(0).getType()).as(column).isEqualTo(Schema.Type.NULL);
            assertThat(field.hasDefaultValue()).as(column).isTrue();
        }
    }

    @Test
    void shouldMapConnectTypesToAvroTypes() {
        Schema schema = converter.schemaOf("facility", FACILITY, List.of("facility_id"));

        assertThat(nonNull(schema, "birds_start").getType()).isEqualTo(Schema.Type.INT);
        assertThat(nonNull(schema, "area_m2").getType()).isEqualTo(Schema.Type.FLOAT);
        assertThat(nonNull(schema, "active").getType()).isEqualTo(Schema.Type.BOOLEAN);
        assertThat(nonNull(schema, "opened_on").getLogicalType()).isEqualTo(LogicalTypes.date());
        assertThat(nonNull(schema, "updated_at").getLogicalType()).isEqualTo(LogicalTypes.timestampMillis());
        assertThat(nonNull(schema, "created_at").getType()).isEqualTo(Schema.Type.STRING);
        assertThat(nonNull(schema, "logo").getType()).isEqualTo(Schema.Type.BYTES);
        assertThat(nonNull(schema, "tags").getType()).isEqualTo(Schema.Type.ARRAY);
    }

    @Test
    void shouldConvertARowIntoARecordThatRoundTripsThroughAvroBinary() throws IOException {
        Struct row = new Struct(FACILITY)
                .put("facility_id", "farm-1")
                .put("name", "North farm")
                .put("birds_start", 12_000)
                .put("area_m2", 1500.5f)
                .put("active", true)
                .put("opened_on", new java.util.Date(86_400_000L * 19_000))
                .put("updated_at", new java.util.Date(1_700_000_000_123L))
                .put("created_at", "2024-01-01T00:00:00Z")
                .put("logo", new byte[] {1, 2, 3})
                .put("tags", List.of("poultry", "layers"));

        GenericRecord record = converter.toRecord("facility", row, List.of("facility_id"));
        GenericRecord back = roundTrip(record);

        assertThat(back.get("facility_id").toString()).isEqualTo("farm-1");
        assertThat(back.get("birds_start")).isEqualTo(12_000);
        assertThat(back.get("opened_on")).isEqualTo(19_000);
        assertThat(back.get("updated_at")).isEqualTo(1_700_000_000_123L);
        assertThat(back.get("logo")).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertThat(back.get("tags").toString()).isEqualTo("[poultry, layers]");
    }

    @Test
    void shouldDeriveABackwardCompatibleSchemaWhenAColumnIsAdded() {
        org.apache.kafka.connect.data.Schema v2 = SchemaBuilder.struct()
                .name("fieldline_cdc.public.facility.Value.v2")
                .field("facility_id", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
                .field("name", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
                .field("timezone", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
                .build();
        Schema old = converter.schemaOf("facility", FACILITY, List.of("facility_id"));
        Schema added = converter.schemaOf("facility", v2, List.of("facility_id"));

        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(added, old)
                        .getType())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
    }

    @Test
    void shouldNameRecordsAfterTheTableInPascalCase() {
        assertThat(TableRecordConverter.recordName("room")).isEqualTo("Room");
        assertThat(TableRecordConverter.recordName("grow_rack")).isEqualTo("GrowRack");
        assertThat(TableRecordConverter.recordName("1st_floor")).isEqualTo("T1stFloor");
    }

    private static Schema nonNull(Schema record, String field) {
        return record.getField(field).schema().getTypes().get(1);
    }

    private static GenericRecord roundTrip(GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
        encoder.flush();
        return new GenericDatumReader<GenericRecord>(record.getSchema())
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    }
}
