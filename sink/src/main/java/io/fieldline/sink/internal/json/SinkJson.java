package io.fieldline.sink.internal.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.util.Map;

/**
 * The JSON the sink stores (Redis values, jsonb columns), written by Jackson from records and maps.
 * Null fields are left out. Doubles follow two rules of their own: a whole value is written as an
 * integer ({@code 24}, not {@code 24.0}: jsonb keeps the scale, and {@code ->>} readers compare the
 * text), and a non-finite one, which JSON cannot represent, as {@code null}.
 */
public final class SinkJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .defaultPropertyInclusion(
                    JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.USE_DEFAULTS))
            .addModule(new SimpleModule("fieldline-sink-doubles")
                    .addSerializer(Double.class, new DoubleSerializer())
                    .addSerializer(double.class, new DoubleSerializer()))
            .build();

    private SinkJson() {}

    /** A record (or any other value Jackson serialises) as compact JSON. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            // Only the sink's own flat records and maps of strings and numbers are written here.
            throw new IllegalStateException("cannot write " + value.getClass().getName() + " as JSON", e);
        }
    }

    /** A flat object of string values, or null for an empty or null map (a null jsonb column). */
    public static String ofStrings(Map<String, String> map) {
        return map == null || map.isEmpty() ? null : write(map);
    }

    /** A flat object of numbers, or null for an empty or null map (a null jsonb column). */
    public static String ofNumbers(Map<String, Double> map) {
        return map == null || map.isEmpty() ? null : write(map);
    }

    private static final class DoubleSerializer extends StdSerializer<Double> {

        private static final long serialVersionUID = 1L;

        DoubleSerializer() {
            super(Double.class);
        }

        @Override
        public void serialize(Double value, JsonGenerator out, SerializerProvider provider) throws IOException {
            double d = value;
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                out.writeNull();
            } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                out.writeNumber((long) d);
            } else {
                out.writeNumber(d);
            }
        }
    }
}
