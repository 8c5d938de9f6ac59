package io.fieldline.schemas.serde.internal;

import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Source;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Random {@link Reading}s that reach the corners of the encoding (nulls, empty and long strings, non-ASCII and
 * unpaired surrogates, varint length boundaries, special doubles and NaN payloads, extreme timestamps, empty and
 * large maps of several iteration orders). Seeded, so that a failure reproduces.
 */
public final class RandomReadings {

    private static final double[] SPECIAL_DOUBLES = {
        Double.NaN,
        Double.longBitsToDouble(0x7ff8_0000_0000_0001L),
        Double.longBitsToDouble(0xfff0_0000_0000_0001L),
        Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY,
        0.0,
        -0.0,
        Double.MIN_VALUE,
        -Double.MAX_VALUE,
        Double.MIN_NORMAL,
    };
    private static final long[] SPECIAL_MILLIS = {
        Long.MIN_VALUE,
        Long.MAX_VALUE,
        0,
        -1,
        1,
        -62_135_596_800_000L,
        253_402_300_799_999L,
        1_767_225_600_123L,
        Integer.MAX_VALUE,
        Integer.MIN_VALUE,
        1L << 35,
        -(1L << 35),
    };
    private static final String[] WORDS = {
        "gr-001", "air_temperature", "degC", "site-a", "room-3", "EngineSpeed", "umol/m2/s", "%", "",
        "température", "温度", "🌡️sensor", "a\uD800b", "\uDC00", "end\uD83D", "\u0000nul", "ÿ", "\u07ff\u0800\uffff",
    };

    private final Random random;

    public RandomReadings(long seed) {
        this.random = new Random(seed);
    }

    /** The reading of the benchmark: ASCII strings, units, site and room, two attributes, a raw value. */
    public static Reading typical() {
        Map<String, String> attributes = new HashMap<>();
        attributes.put("firmware", "3.1.4");
        attributes.put("segment.site", "gr");
        return Reading.newBuilder()
                .setDeviceId("gr-001")
                .setSensor("air_temperature")
                .setValue(23.75)
                .setUnit("degC")
                .setEventTime(Instant.ofEpochMilli(1_767_225_600_123L))
                .setIngestTime(Instant.ofEpochMilli(1_767_225_600_456L))
                .setSource(Source.MQTT)
                .setQuality(Quality.UNCERTAIN)
                .setSite("site-a")
                .setRoom("room-3")
                .setRawValue(23.5)
                .setAttributes(attributes)
                .build();
    }

    public Random random() {
        return random;
    }

    public Reading next() {
        return Reading.newBuilder()
                .setDeviceId(string())
                .setSensor(string())
                .setValue(doubleValue())
                .setUnit(nullableString())
                .setEventTime(Instant.ofEpochMilli(millis()))
                .setIngestTime(Instant.ofEpochMilli(millis()))
                .setSource(Source.values()[random.nextInt(Source.values().length)])
                .setQuality(Quality.values()[random.nextInt(Quality.values().length)])
                .setSite(nullableString())
                .setRoom(nullableString())
                .setRawValue(random.nextInt(3) == 0 ? null : doubleValue())
                .setAttributes(attributes())
                .build();
    }

    private String nullableString() {
        return random.nextInt(3) == 0 ? null : string();
    }

    String string() {
        switch (random.nextInt(10)) {
            case 0, 1, 2:
                return WORDS[random.nextInt(WORDS.length)];
            case 3: {
                // ASCII around the one-to-two-byte varint boundary (63/64 bytes), sometimes pushed over it by one
                // multi-byte char, so that the length prefix grows after the optimistic ASCII pass.
                int n = 60 + random.nextInt(8);
                StringBuilder s = new StringBuilder("x".repeat(n));
                if (random.nextBoolean()) {
                    s.insert(random.nextInt(n + 1), random.nextBoolean() ? "é" : "€");
                }
                return s.toString();
            }
            case 4:
                return randomChars(random.nextInt(40), 0x80);
            case 5:
                return randomChars(random.nextInt(40), 0x800);
            case 6:
                return randomChars(random.nextInt(40), 0x10000);
            case 7:
                return randomCodePoints(random.nextInt(20));
            case 8:
                return random.nextInt(20) == 0
                        ? randomChars(8192 + random.nextInt(9000), 0x80)
                        : randomChars(200 + random.nextInt(2000), 0x100);
            default:
                return "dev-" + random.nextInt(100_000);
        }
    }

    private String randomChars(int length, int bound) {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = (char) random.nextInt(bound);
        }
        return new String(chars);
    }

    private String randomCodePoints(int count) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < count; i++) {
            s.appendCodePoint(random.nextInt(Character.MAX_CODE_POINT + 1));
        }
        return s.toString();
    }

    private double doubleValue() {
        return switch (random.nextInt(4)) {
            case 0 -> SPECIAL_DOUBLES[random.nextInt(SPECIAL_DOUBLES.length)];
            case 1 -> Double.longBitsToDouble(random.nextLong());
            default -> Math.round(random.nextGaussian() * 2000) / 100.0;
        };
    }

    private long millis() {
        return switch (random.nextInt(4)) {
            case 0 -> SPECIAL_MILLIS[random.nextInt(SPECIAL_MILLIS.length)];
            case 1 -> random.nextLong();
            default -> 1_700_000_000_000L + random.nextInt(Integer.MAX_VALUE);
        };
    }

    private Map<String, String> attributes() {
        int size = switch (random.nextInt(8)) {
            case 0 -> 0;
            case 1 -> 100 + random.nextInt(1500);
            default -> 1 + random.nextInt(5);
        };
        Map<String, String> map = switch (random.nextInt(3)) {
            case 0 -> new HashMap<>();
            case 1 -> new LinkedHashMap<>();
            default -> new TreeMap<>();
        };
        for (int i = 0; i < size; i++) {
            if (size > 50) {
                map.put("k" + i + WORDS[random.nextInt(WORDS.length)], randomChars(random.nextInt(12), 0x10000));
            } else {
                map.put(string(), random.nextInt(10) == 0 ? "" : string());
            }
        }
        return map;
    }
}
