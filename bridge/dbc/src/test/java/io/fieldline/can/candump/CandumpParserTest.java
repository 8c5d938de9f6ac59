package io.fieldline.can.candump;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.can.CanFrame;
import io.fieldline.can.Fixtures;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CandumpParserTest {

    static Stream<Arguments> lines() {
        long ts = 1436509052_249713L;
        return Stream.of(
                Arguments.of(
                        "(1436509052.249713) can0 1F0#C006E00000000000",
                        CanFrame.classic("can0", 0x1F0, false, Fixtures.hex("C006E00000000000"), ts)),
                Arguments.of(
                        "(1436509052.249713) vcan1 18FEF1FE#0102",
                        CanFrame.classic("vcan1", 0x18FEF1FE, true, Fixtures.hex("0102"), ts)),
                Arguments.of(
                        "(1436509052.249713) can0 123##1" + "AB".repeat(12),
                        CanFrame.fd("can0", 0x123, false, CanFrame.FD_BRS, Fixtures.hex("AB".repeat(12)), ts)),
                Arguments.of(
                        "(1436509052.249713) can0 12345678##3" + "00".repeat(64),
                        CanFrame.fd("can0", 0x12345678, true, 3, new byte[64], ts)),
                Arguments.of("(1436509052.249713) can0 123##0", CanFrame.fd("can0", 0x123, false, 0, new byte[0], ts)),
                Arguments.of("(1436509052.249713) can0 7FF#R", CanFrame.remote("can0", 0x7FF, false, 0, ts)),
                Arguments.of("(1436509052.249713) can0 7FF#R4", CanFrame.remote("can0", 0x7FF, false, 4, ts)),
                Arguments.of(
                        "(1436509052.249713) can0 1F0# R", CanFrame.classic("can0", 0x1F0, false, new byte[0], ts)),
                Arguments.of(
                        "(1436509052.2) can0 1F0#11.22.33",
                        CanFrame.classic("can0", 0x1F0, false, Fixtures.hex("112233"), 1436509052_200000L)),
                Arguments.of(
                        "(1436509052.249713123) can0 1F0#1122334455667788_9",
                        CanFrame.classic("can0", 0x1F0, false, Fixtures.hex("1122334455667788"), ts)),
                Arguments.of(
                        "can0 1F0#C006",
                        CanFrame.classic("can0", 0x1F0, false, Fixtures.hex("C006"), CanFrame.NO_TIMESTAMP)),
                // console format
                Arguments.of(
                        "  can0  1F0   [8]  C0 06 E0 00 00 00 00 00",
                        CanFrame.classic(
                                "can0", 0x1F0, false, Fixtures.hex("C006E00000000000"), CanFrame.NO_TIMESTAMP)),
                Arguments.of(
                        "  can1  18FEF1FE   [3]  01 02 03   '...'",
                        CanFrame.classic("can1", 0x18FEF1FE, true, Fixtures.hex("010203"), CanFrame.NO_TIMESTAMP)),
                Arguments.of(
                        " (1436509052.249713)  can0  1F0   [2]  C0 06",
                        CanFrame.classic("can0", 0x1F0, false, Fixtures.hex("C006"), ts)),
                Arguments.of(
                        "  can0  123  [16]  " + "01 ".repeat(16),
                        CanFrame.fd("can0", 0x123, false, 0, Fixtures.hex("01".repeat(16)), CanFrame.NO_TIMESTAMP)),
                Arguments.of(
                        "  can0  123  [08]  " + "01 ".repeat(8),
                        CanFrame.fd("can0", 0x123, false, 0, Fixtures.hex("01".repeat(8)), CanFrame.NO_TIMESTAMP)),
                Arguments.of(
                        "  can0  RX B -  123  [12]  " + "FF ".repeat(12),
                        CanFrame.fd(
                                "can0",
                                0x123,
                                false,
                                CanFrame.FD_BRS,
                                Fixtures.hex("FF".repeat(12)),
                                CanFrame.NO_TIMESTAMP)),
                Arguments.of(
                        "  can0  123   [3]  remote request",
                        CanFrame.remote("can0", 0x123, false, 3, CanFrame.NO_TIMESTAMP)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lines")
    void shouldParseLogAndConsoleLines(String line, CanFrame expected) {
        assertThat(CandumpParser.parse(line)).isEqualTo(expected);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of(
                        "(1436509052.249713) can0 1F#C0",
                        "expected a CAN id of 3 (standard) or 8 (extended) hex digits, found '1F'"),
                Arguments.of("(1436509052.249713) can0 800#C0", "expected a standard CAN id of at most 7FF, found 800"),
                Arguments.of("(1436509052.249713) can0 1G0#C0", "expected a hex CAN id, found '1G0'"),
                Arguments.of("(1436509052.249713) can0 1F0#C0F", "odd count"),
                Arguments.of("(1436509052.249713) can0 1F0#C0ZZ", "expected hex data, found 'ZZ'"),
                Arguments.of(
                        "(1436509052.249713) can0 1F0#112233445566778899", "expected at most 8 data bytes, found 9"),
                Arguments.of("(1436509052.249713) can0 123##", "expected a hex flags digit after '##'"),
                Arguments.of("(1436509052.249713) can0 123#R9", "expected a remote frame length 0 to 8 after 'R'"),
                Arguments.of("(14365x9052.249713) can0 123#00", "expected a timestamp like (1436509052.249713)"),
                Arguments.of("(1436509052.249713) can0 20000080#0000000000000000", "CAN error frame"),
                Arguments.of("(1436509052.249713) can0 123#00 extra", "unexpected text after the frame"),
                Arguments.of("  can0  1F0   [8]  C0 06 E0", "expected 8 data bytes, found 3"),
                Arguments.of("  can0  1F0   8  C0 06 E0", "expected the payload length in brackets"),
                Arguments.of("  can0  1F0   [2]  C0 6", "expected a two-digit hex data byte, found '6'"),
                Arguments.of("garbage", "expected 'iface id#data' (candump -L) or 'iface id [len] bytes' (candump)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void shouldExplainWhatIsWrongWithAMalformedLine(String line, String reason) {
        assertThatThrownBy(() -> CandumpParser.parse(line))
                .isInstanceOf(CandumpFormatException.class)
                .hasMessageContaining(reason)
                .hasMessageContaining(
                        line.strip().substring(0, Math.min(10, line.strip().length())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lines")
    void shouldRoundTripThroughTheLogFormat(String line, CanFrame frame) {
        assertThat(CandumpParser.parse(frame.toCandumpLog())).isEqualTo(frame);
    }
}
