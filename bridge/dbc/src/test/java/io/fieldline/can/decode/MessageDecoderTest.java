package io.fieldline.can.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.can.Fixtures;
import io.fieldline.can.dbc.Dbc;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Table-driven decode tests over decode-fixture.dbc. Every expected value is worked out by hand in the comment
 * of its row: byte layout, raw bits, sign extension, then physical = raw * factor + offset evaluated as an IEEE
 * double expression exactly as cantools (Python) evaluates it, so the literals below are bit-exact.
 */
class MessageDecoderTest {

    private static final Dbc DBC = Fixtures.dbc("decode-fixture.dbc");
    private static final DbcDecoder DECODER = DbcDecoder.compile(DBC);

    record Row(
            String message,
            String hex,
            boolean allowTruncated,
            DecodeStatus status,
            Map<String, Double> values,
            Map<String, String> labels,
            String problem) {
        @Override
        public String toString() {
            return message + " " + hex;
        }
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                        // Intel (little endian), payload 2E FB 7B B0 04 5A F3 E5.
                        // Temperature 0|16@1- (0.01,0): bytes 0-1 LE = 0xFB2E = 64302; signed 16 bit: 64302 - 65536 =
                        // -1234;
                        //   -1234 * 0.01 = -12.34.
                        // Humidity 16|8@1+ (0.5,0): byte 2 = 0x7B = 123; 123 * 0.5 = 61.5.
                        // Co2 24|16@1+ (1,0): bytes 3-4 LE = 0x04B0 = 1200; identity -> 1200.
                        // byte 5 = 0x5A = 0101 1010b: Counter bits 40-43 = 1010b = 10; Flag bit 44 = 1;
                        //   FanState bits 45-47 = 010b = 2 -> "High".
                        // Pressure 48|12@1+ (0.1,-40): byte 6 = 0xF3 (bits 48-55), low nibble of byte 7 = 0x5 (bits
                        // 56-59):
                        //   raw = 0x5F3 = 1523; 1523 * 0.1 = 152.3 (double 152.30000000000001), - 40 =
                        // 112.30000000000001.
                        // Nibble 60|4@1- (2,1): high nibble of byte 7 = 0xE = 1110b; signed 4 bit: 14 - 16 = -2;
                        //   integral factor and offset: -2 * 2 + 1 = -3 exactly; VAL_ -2 -> "MinusTwo".
                        row(
                                "IntelBasic",
                                "2E FB 7B B0 04 5A F3 E5",
                                DecodeStatus.OK,
                                values(
                                        "Temperature",
                                        -12.34,
                                        "Humidity",
                                        61.5,
                                        "Co2",
                                        1200.0,
                                        "Counter",
                                        10.0,
                                        "Flag",
                                        1.0,
                                        "FanState",
                                        2.0,
                                        "Pressure",
                                        112.30000000000001,
                                        "Nibble",
                                        -3.0),
                                labels("FanState", "High", "Nibble", "MinusTwo")),
                        // Motorola (big endian), payload 12 34 2B 5E D4 F0 BD C0.
                        // Speed 7|16@0+ (0.1,0): MSB at bit 7 of byte 0, 16 bits MSB first: 0x1234 = 4660; 4660 * 0.1 =
                        // 466.0.
                        // Odd 21|10@0+: MSB at byte 2 bit 5 (sawtooth bit 21); 10 bits = byte 2 bits 5..0 (0x2B & 0x3F
                        // = 101011b)
                        //   then byte 3 bits 7..4 (0x5E >> 4 = 0101b): 101011 0101b = 0x2B5 = 693.
                        // SignedMoto 27|12@0- (0.5,0): MSB at byte 3 bit 3; byte 3 bits 3..0 = 0xE, byte 4 = 0xD4:
                        //   0xED4 = 3796; signed 12 bit: 3796 - 4096 = -300; -300 * 0.5 = -150.0.
                        // Wide 47|24@0-: bytes 5..7 = 0xF0BDC0 = 15777216; signed 24 bit: 15777216 - 16777216 =
                        // -1000000.
                        row(
                                "MotorolaBasic",
                                "12 34 2B 5E D4 F0 BD C0",
                                DecodeStatus.OK,
                                values("Speed", 466.0, "Odd", 693.0, "SignedMoto", -150.0, "Wide", -1000000.0),
                                labels()),
                        // IEEE float32, payload 00 00 AC 41 BD CC CC CD.
                        // FloatLe 0|32@1-: LE bits 0x41AC0000 = sign 0, exponent 0x83 (2^4), mantissa 1.34375 -> 21.5.
                        // FloatBe 39|32@0-: MSB at byte 4 bit 7, bytes 4..7 = 0xBDCCCCCD = float32 nearest -0.1,
                        //   which widened to double is -0.10000000149011612.
                        row(
                                "Floats",
                                "00 00 AC 41 BD CC CC CD",
                                DecodeStatus.OK,
                                values("FloatLe", 21.5, "FloatBe", -0.10000000149011612),
                                labels()),
                        // IEEE double, little endian: bytes AD FA 5C 6D 45 4A 93 40 = 0x40934A456D5CFAAD = 1234.5678.
                        row(
                                "DoubleLe",
                                "AD FA 5C 6D 45 4A 93 40",
                                DecodeStatus.OK,
                                values("DoubleLe", 1234.5678),
                                labels()),
                        // IEEE double, big endian 7|64@0- (2,0.5): 0x400A000000000000 = 3.25; 3.25 * 2 + 0.5 = 7.0.
                        row("DoubleBe", "40 0A 00 00 00 00 00 00", DecodeStatus.OK, values("DoubleBe", 7.0), labels()),
                        // Simple multiplexing: Page M 0|8; page 0 selects FeedWeight 8|16 (0.1): 0x03E8 = 1000 ->
                        // 100.0;
                        //   Always byte 7 = 0x2A = 42; Page 0 -> "Feed".
                        row(
                                "SimpleMux",
                                "00 E8 03 00 00 00 00 2A",
                                DecodeStatus.OK,
                                values("Page", 0.0, "FeedWeight", 100.0, "Always", 42.0),
                                labels("Page", "Feed")),
                        // Page 1 selects WaterFlow 8|16 (0.01): 0x3039 = 12345; 12345 * 0.01 = 123.45.
                        row(
                                "SimpleMux",
                                "01 39 30 00 00 00 00 07",
                                DecodeStatus.OK,
                                values("Page", 1.0, "WaterFlow", 123.45, "Always", 7.0),
                                labels("Page", "Water")),
                        // Page 2 selects Firmware 8|8: 0x11 = 17.
                        row(
                                "SimpleMux",
                                "02 11 00 00 00 00 00 00",
                                DecodeStatus.OK,
                                values("Page", 2.0, "Firmware", 17.0, "Always", 0.0),
                                labels("Page", "Info")),
                        // Page 3 selects nothing and has no value description: cantools raises, nothing is decoded.
                        row(
                                "SimpleMux",
                                "03 11 00 00 00 00 00 00",
                                DecodeStatus.UNKNOWN_MULTIPLEXER,
                                values(),
                                labels(),
                                "expected multiplexer id 0, 1 or 2, but got 3"),
                        // Extended multiplexing. Byte 0: Mode = bits 0-3, SubMode = bits 4-7 (only when Mode = 1).
                        // Mode 0 (byte 0 = 0xF0: Mode 0, SubMode bits ignored): ModeA (Mode 0, 2-3) bytes 1-2 LE 0x1234
                        // = 4660;
                        //   Tail byte 7 = 0x99 = 153.
                        row(
                                "ExtMux",
                                "F0 34 12 00 00 00 00 99",
                                DecodeStatus.OK,
                                values("Mode", 0.0, "ModeA", 4660.0, "Tail", 153.0),
                                labels()),
                        // Mode 3 lies in ModeA's range 2-3.
                        row(
                                "ExtMux",
                                "03 34 12 00 00 00 00 00",
                                DecodeStatus.OK,
                                values("Mode", 3.0, "ModeA", 4660.0, "Tail", 0.0),
                                labels()),
                        // Mode 1 selects the nested multiplexer SubMode = 1 (byte 0 = 0x11), which selects SubA
                        // (SubMode 0-1):
                        //   bytes 1-2 LE 0xFFFD = 65533, signed 16 bit -3; -3 * 0.5 = -1.5.
                        row(
                                "ExtMux",
                                "11 FD FF 00 00 00 00 01",
                                DecodeStatus.OK,
                                values("Mode", 1.0, "SubMode", 1.0, "SubA", -1.5, "Tail", 1.0),
                                labels()),
                        // Mode 1, SubMode 4 (byte 0 = 0x41) selects SubB (SubMode 2-4): byte 1 = 0xAB = 171.
                        row(
                                "ExtMux",
                                "41 AB 00 00 00 00 00 05",
                                DecodeStatus.OK,
                                values("Mode", 1.0, "SubMode", 4.0, "SubB", 171.0, "Tail", 5.0),
                                labels()),
                        // SubMode 7 selects nothing (valid: SubA 0-1, SubB 2-4).
                        row(
                                "ExtMux",
                                "71 AB 00 00 00 00 00 05",
                                DecodeStatus.UNKNOWN_MULTIPLEXER,
                                values(),
                                labels(),
                                "expected multiplexer id 0, 1, 2, 3 or 4, but got 7"),
                        // Mode 5 selects nothing (valid: ModeA 0, 2, 3; SubMode 1).
                        row(
                                "ExtMux",
                                "05 00 00 00 00 00 00 00",
                                DecodeStatus.UNKNOWN_MULTIPLEXER,
                                values(),
                                labels(),
                                "expected multiplexer id 0, 1, 2 or 3, but got 5"),
                        // CAN FD, 64 bytes (byte index:value, all others 0):
                        //  0:A5 -> FdFirst 0|8 = 165.
                        //  25:78 26:F3 27:2A -> FdIntelCross 202|20@1+: bits 202..221 = byte 25 bits 2..7 (0x78 >> 2 =
                        // 0x1E),
                        //    byte 26 (0xF3), byte 27 bits 0..5 (0x2A): 0x1E | 0xF3 << 6 | 0x2A << 14 = 0xABCDE =
                        // 703710.
                        //  32:0F 33..39:ED CB A9 87 65 43 21 40:10 -> FdMoto64 259|64@0-: MSB at byte 32 bit 3
                        // (sequential
                        //    bit 260), 64 bits: 0xF, ED CB A9 87 65 43 21, 0x1 = 0xFEDCBA9876543211 =
                        // -0x0123456789ABCDEF
                        //    = -81985529216486895, as a double -8.19855292164869E16 (nine bytes read).
                        //  49:1F 50:14 51:86 52:5D 53:60 -> FdMotoCross 396|32@0- (0.001): MSB at byte 49 bit 4; 5 + 24
                        // + 3
                        //    bits: 11111b, 0x14865D, 011b = 0xF8A432EB; signed -123456789; * 0.001 = -123456.789.
                        //  56..62:21 43 65 87 A9 CB ED 63:CF -> FdWide64 444|64@1+: byte 55 bits 4..7 = 0 (raw bits
                        // 0-3),
                        //    bytes 56-62 = raw bits 4-59 = 0xEDCBA987654321, byte 63 bits 0..3 = 0xF:
                        //    0xFEDCBA9876543210 = 18364758544493064720 unsigned, as a double 1.8364758544493064E19.
                        //  FdLast 508|4: byte 63 bits 4..7 = 0xC = 12.
                        row(
                                "FdFrame",
                                fdPayload(),
                                DecodeStatus.OK,
                                values(
                                        "FdFirst",
                                        165.0,
                                        "FdIntelCross",
                                        703710.0,
                                        "FdMoto64",
                                        -8.19855292164869E16,
                                        "FdMotoCross",
                                        -123456.789,
                                        "FdWide64",
                                        1.8364758544493064E19,
                                        "FdLast",
                                        12.0),
                                labels()),
                        // Extended 29-bit id 0x18FEF1FE (DBC id 2566844926 = 0x98FEF1FE with bit 31 set).
                        // FeedRate byte 0 = 0x64 = 100; EngineSpeed 24|16 (0.125): bytes 3-4 LE 0x1F40 = 8000 ->
                        // 1000.0.
                        row(
                                "ExtendedId",
                                "64 00 00 40 1F 00 00 00",
                                DecodeStatus.OK,
                                values("FeedRate", 100.0, "EngineSpeed", 1000.0),
                                labels()),
                        // 64-bit unsigned with integral scaling (3,1): raw 2^64-1; Python's exact integer
                        //   (2^64-1)*3+1 = 55340232221128654846, rounded once to 5.5340232221128655E19.
                        row(
                                "Wide64Int",
                                "FF FF FF FF FF FF FF FF",
                                DecodeStatus.OK,
                                values("BigInt", 5.5340232221128655E19),
                                labels()),
                        // 64-bit unsigned with a real factor: float(2^64-1) = 1.8446744073709552E19; * 0.5 =
                        // 9.223372036854776E18.
                        row(
                                "Wide64Real",
                                "FF FF FF FF FF FF FF FF",
                                DecodeStatus.OK,
                                values("BigReal", 9.223372036854776E18),
                                labels()),
                        // Truncated frame (5 of 8 bytes) with allow_truncated: Temperature (bytes 0-1), Humidity (byte
                        // 2) and
                        //   Co2 (bytes 3-4) lie within it; Counter and the rest need byte 5 or later and are left out.
                        new Row(
                                "IntelBasic",
                                "2E FB 7B B0 04",
                                true,
                                DecodeStatus.TRUNCATED,
                                values("Temperature", -12.34, "Humidity", 61.5, "Co2", 1200.0),
                                labels(),
                                null),
                        // The same frame without allow_truncated: nothing, as cantools' "Wrong data size".
                        new Row(
                                "IntelBasic",
                                "2E FB 7B B0 04",
                                false,
                                DecodeStatus.WRONG_LENGTH,
                                values(),
                                labels(),
                                "Wrong data size: 5 instead of 8 bytes"),
                        // Excess bytes are ignored (allow_excess): the ninth byte changes nothing.
                        row(
                                "MotorolaBasic",
                                "12 34 2B 5E D4 F0 BD C0 FF",
                                DecodeStatus.OK,
                                values("Speed", 466.0, "Odd", 693.0, "SignedMoto", -150.0, "Wide", -1000000.0),
                                labels()))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void shouldDecodeEverySignalExactlyAsCantools(Row row) {
        var message = DBC.message(row.message()).orElseThrow();
        MessageDecoder decoder = DECODER.find(message.id(), message.extended());
        DecodedSignals out = new DecodedSignals(2);

        DecodeStatus status = decoder.decode(Fixtures.hex(row.hex()), row.allowTruncated(), out);

        assertThat(status).isEqualTo(row.status());
        Map<String, Double> actual = new LinkedHashMap<>();
        Map<String, String> labels = new LinkedHashMap<>();
        for (int i = 0; i < out.count(); i++) {
            actual.put(out.name(i), out.value(i));
            if (out.label(i) != null) {
                labels.put(out.name(i), out.label(i));
            }
        }
        // Bit-exact: compare the doubles' bits, not within a tolerance.
        assertThat(actual).containsExactlyInAnyOrderEntriesOf(row.values());
        assertThat(labels).isEqualTo(row.labels());
        if (row.problem() != null) {
            assertThat(out.problem()).contains(row.problem());
        } else {
            assertThat(out.problem()).isNull();
        }
    }

    private static String fdPayload() {
        byte[] fd = new byte[64];
        put(fd, 0, "A5");
        put(fd, 25, "78 F3 2A");
        put(fd, 32, "0F ED CB A9 87 65 43 21 10");
        put(fd, 49, "1F 14 86 5D 60");
        put(fd, 56, "21 43 65 87 A9 CB ED CF");
        StringBuilder sb = new StringBuilder();
        for (byte b : fd) {
            sb.append(String.format("%02X", b));
        }
        return sb.toString();
    }

    private static void put(byte[] target, int at, String hex) {
        byte[] b = Fixtures.hex(hex);
        System.arraycopy(b, 0, target, at, b.length);
    }

    private static Row row(
            String message, String hex, DecodeStatus status, Map<String, Double> values, Map<String, String> labels) {
        return new Row(message, hex, false, status, values, labels, null);
    }

    private static Row row(
            String message,
            String hex,
            DecodeStatus status,
            Map<String, Double> values,
            Map<String, String> labels,
            String problem) {
        return new Row(message, hex, false, status, values, labels, problem);
    }

    private static Map<String, Double> values(Object... kv) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (Double) kv[i + 1]);
        }
        return m;
    }

    private static Map<String, String> labels(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
