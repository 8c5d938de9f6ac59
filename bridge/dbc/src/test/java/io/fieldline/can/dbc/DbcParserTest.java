package io.fieldline.can.dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.can.Fixtures;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DbcParserTest {

    private final Dbc dbc = Fixtures.dbc("decode-fixture.dbc");

    @Test
    void shouldReadVersionNodesAndNetworkComment() {
        assertThat(dbc.version()).isEqualTo("fieldline decode fixture 1");
        assertThat(dbc.nodes()).extracting(DbcNode::name).containsExactly("Climate", "Feeder", "Gateway");
        assertThat(dbc.node("Climate").orElseThrow().comment()).isEqualTo("Grow room climate controller");
        assertThat(dbc.comment()).isEqualTo("Fieldline decoder test network");
        assertThat(dbc.messages()).hasSize(11);
    }

    @Test
    void shouldReadMessageHeaderSendersCommentsAndCycleTime() {
        DbcMessage m = dbc.message("IntelBasic").orElseThrow();
        assertThat(m.id()).isEqualTo(256);
        assertThat(m.extended()).isFalse();
        assertThat(m.length()).isEqualTo(8);
        assertThat(m.senders()).containsExactly("Climate", "Gateway");
        assertThat(m.comment()).isEqualTo("Climate values,\nsent every 100 ms");
        assertThat(m.cycleTimeMs()).isEqualTo(100);
        assertThat(m.fd()).isFalse();
        assertThat(m.frameFormat()).isEqualTo("StandardCAN");
        assertThat(m.signalGroups())
                .containsExactly(new SignalGroup("Climate", 1, List.of("Temperature", "Humidity", "Co2")));
        assertThat(dbc.message("ExtMux").orElseThrow().cycleTimeMs()).isNull();
    }

    @Test
    void shouldReadSignalLayoutScalingRangeUnitAndReceivers() {
        DbcSignal t =
                dbc.message("IntelBasic").orElseThrow().signal("Temperature").orElseThrow();
        assertThat(t.startBit()).isZero();
        assertThat(t.length()).isEqualTo(16);
        assertThat(t.byteOrder()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThat(t.signed()).isTrue();
        assertThat(t.factor()).isEqualTo(0.01);
        assertThat(t.offset()).isZero();
        assertThat(t.minimum()).isEqualTo(-327.68);
        assertThat(t.maximum()).isEqualTo(327.67);
        assertThat(t.unit()).isEqualTo("degC");
        assertThat(t.receivers()).containsExactly("Gateway");
        assertThat(t.comment()).isEqualTo("Dry bulb \"air\" temperature");

        DbcSignal co2 = dbc.message("IntelBasic").orElseThrow().signal("Co2").orElseThrow();
        assertThat(co2.receivers()).containsExactly("Gateway", "Feeder");
        assertThat(co2.unit()).isEqualTo("ppm");
        DbcSignal nibble =
                dbc.message("IntelBasic").orElseThrow().signal("Nibble").orElseThrow();
        assertThat(nibble.receivers()).isEmpty();
        assertThat(nibble.valueTable().label(-2)).isEqualTo("MinusTwo");

        DbcSignal speed =
                dbc.message("MotorolaBasic").orElseThrow().signal("Speed").orElseThrow();
        assertThat(speed.byteOrder()).isEqualTo(ByteOrder.BIG_ENDIAN);
        assertThat(speed.startBit()).isEqualTo(7);
        assertThat(speed.sequentialStartBit()).isZero();
        DbcSignal wide =
                dbc.message("MotorolaBasic").orElseThrow().signal("Wide").orElseThrow();
        assertThat(wide.minimum()).isNull();
        assertThat(wide.maximum()).isNull();
        assertThat(wide.unit()).isNull();
    }

    @Test
    void shouldMarkExtendedIdsByBit31AndFdByVFrameFormat() {
        DbcMessage ext = dbc.message("ExtendedId").orElseThrow();
        assertThat(ext.extended()).isTrue();
        assertThat(ext.id()).isEqualTo(0x18FEF1FE);
        assertThat(ext.dbcId()).isEqualTo(2566844926L);
        assertThat(ext.frameFormat()).isEqualTo("ExtendedCAN");
        assertThat(ext.idText()).isEqualTo("18FEF1FE");

        DbcMessage fd = dbc.message("FdFrame").orElseThrow();
        assertThat(fd.length()).isEqualTo(64);
        assertThat(fd.fd()).isTrue();
        assertThat(fd.frameFormat()).isEqualTo("StandardCAN_FD");
        assertThat(dbc.message(0x600, false)).contains(fd);
    }

    @Test
    void shouldReadFloatTypesValueTablesAndAttributes() {
        assertThat(dbc.message("Floats")
                        .orElseThrow()
                        .signal("FloatBe")
                        .orElseThrow()
                        .valueType())
                .isEqualTo(SignalValueType.IEEE_FLOAT);
        assertThat(dbc.message("IntelBasic")
                        .orElseThrow()
                        .signal("Co2")
                        .orElseThrow()
                        .valueType())
                .isEqualTo(SignalValueType.INTEGER);
        assertThat(dbc.valueTables().get("FanStates").asMap())
                .containsExactly(
                        java.util.Map.entry(0L, "Off"),
                        java.util.Map.entry(1L, "Low"),
                        java.util.Map.entry(2L, "High"),
                        java.util.Map.entry(3L, "Fault"));
        DbcSignal humidity =
                dbc.message("IntelBasic").orElseThrow().signal("Humidity").orElseThrow();
        assertThat(dbc.attribute(humidity, "GenSigStartValue"))
                .map(AttributeValue::asText)
                .contains("50");
        DbcSignal co2 = dbc.message("IntelBasic").orElseThrow().signal("Co2").orElseThrow();
        assertThat(dbc.attribute(co2, "GenSigStartValue"))
                .map(AttributeValue::asText)
                .contains("0");
        assertThat(dbc.attribute("BusType")).map(AttributeValue::asText).contains("CAN FD");
        AttributeDefinition vff = dbc.attributeDefinitions().get("VFrameFormat");
        assertThat(vff.type()).isEqualTo(AttributeType.ENUM);
        assertThat(vff.objectType()).isEqualTo(AttributeObjectType.MESSAGE);
        assertThat(vff.enumLabels()).hasSize(16);
        assertThat(dbc.attributeDefinitions().get("GenMsgCycleTime").maximum()).isEqualByComparingTo("65535");
    }

    @Test
    void shouldResolveSimpleMultiplexing() {
        DbcMessage m = dbc.message("SimpleMux").orElseThrow();
        DbcSignal page = m.signal("Page").orElseThrow();
        assertThat(page.multiplexer()).isTrue();
        assertThat(page.isMultiplexed()).isFalse();
        DbcSignal water = m.signal("WaterFlow").orElseThrow();
        assertThat(water.multiplexerSignal()).isEqualTo("Page");
        assertThat(water.multiplexerIds()).containsExactly(1L);
        assertThat(m.signal("Always").orElseThrow().isMultiplexed()).isFalse();
    }

    @Test
    void shouldResolveExtendedMultiplexingFromSgMulVal() {
        DbcMessage m = dbc.message("ExtMux").orElseThrow();
        DbcSignal sub = m.signal("SubMode").orElseThrow();
        assertThat(sub.multiplexer()).isTrue();
        assertThat(sub.multiplexerSignal()).isEqualTo("Mode");
        assertThat(sub.multiplexerIds()).containsExactly(1L);
        assertThat(m.signal("ModeA").orElseThrow().multiplexerIds()).containsExactly(0L, 2L, 3L);
        assertThat(m.signal("SubA").orElseThrow().multiplexerSignal()).isEqualTo("SubMode");
        assertThat(m.signal("SubB").orElseThrow().multiplexerIds()).containsExactly(2L, 3L, 4L);
        assertThat(m.signal("Tail").orElseThrow().isMultiplexed()).isFalse();
    }

    @Test
    void shouldReadWindows1252WithCrlfAndOddSpacing() {
        Dbc d = Fixtures.dbc("windows1252-crlf.dbc");
        assertThat(d.nodes()).extracting(DbcNode::name).containsExactly("Gewaechshaus", "Stall");
        DbcMessage klima = d.message("Klima").orElseThrow();
        assertThat(klima.id()).isEqualTo(291);
        assertThat(klima.comment()).isEqualTo("Gewächshaus Klima\nzweite Zeile €");
        DbcSignal temp = klima.signal("Lufttemperatur").orElseThrow();
        assertThat(temp.unit()).isEqualTo("°C");
        assertThat(temp.factor()).isEqualTo(0.1);
        assertThat(temp.offset()).isEqualTo(-40.0);
        assertThat(temp.minimum()).isEqualTo(-40.0);
        assertThat(temp.comment()).isEqualTo("Trockentemperatur »Luft«");
        DbcSignal light = klima.signal("Licht").orElseThrow();
        assertThat(light.unit()).isEqualTo("µmol/m²/s");
        assertThat(light.receivers()).containsExactly("Stall", "Gewaechshaus");
    }

    @Test
    void shouldReadUtf8AsUtf8() {
        Dbc d = DbcParser.parse(
                "BU_: A\nBO_ 1 M: 1 A\n SG_ T : 0|8@1+ (1,0) [0|0] \"°C\" A\n"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "utf8");
        assertThat(d.messages().get(0).signals().get(0).unit()).isEqualTo("°C");
    }

    @Test
    void shouldSkipUnknownSectionsAndRelationAttributes() {
        Dbc d = DbcParser.parse("""
                VERSION ""
                BU_: A B
                BO_ 16 M: 2 A
                 SG_ S : 0|8@1+ (1,0) [0|0] "" B
                BA_DEF_REL_ BU_SG_REL_ "SigTimeout" INT 0 100;
                BA_REL_ "SigTimeout" BU_SG_REL_ B SG_ 16 S 5;
                SGTYPE_ Foo : 8@1+ (1,0) [0|0] "" 0 Bar;
                FUTURE_KEYWORD_ 1 2 "three";
                EV_ Volts: 0 [0|100] "V" 0 1 DUMMY_NODE_VECTOR0 Vector__XXX;
                ENVVAR_DATA_ Volts: 4;
                CM_ EV_ Volts "battery";
                VAL_ Volts 0 "zero";
                CM_ BO_ 16 "still read";
                """, "skip");
        assertThat(d.message("M").orElseThrow().comment()).isEqualTo("still read");
        assertThat(d.environmentVariables()).containsExactly(new EnvironmentVariable("Volts", "battery"));
    }

    @Test
    void shouldDropVectorIndependentSignalMessage() {
        Dbc d = DbcParser.parse("""
                BU_: A
                BO_ 3221225472 VECTOR__INDEPENDENT_SIG_MSG: 0 Vector__XXX
                 SG_ Orphan : 0|8@1+ (1,0) [0|0] "" Vector__XXX
                BO_ 1 Real: 1 A
                 SG_ S : 0|8@1+ (1,0) [0|0] "" A
                """, "independent");
        assertThat(d.messages()).extracting(DbcMessage::name).containsExactly("Real");
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                // BO_ 100 Msg 8 A: column 13 is the 8 where the colon belongs.
                Arguments.of("BU_: A\nBO_ 100 Msg 8 A\n", 2, 13, "expected ':' after the message name, found number 8"),
                Arguments.of(
                        "BU_: A\nBO_ 100 Msg: 8 A\n SG_ S : 0|8@2+ (1,0) [0|0] \"\" A\n",
                        3,
                        14,
                        "expected byte order 0 (Motorola) or 1 (Intel), found 2"),
                Arguments.of(
                        "BU_: A\nBO_ 100 Msg: 8 A\n SG_ S : 0|8@1 (1,0) [0|0] \"\" A\n",
                        3,
                        16,
                        "expected '+' (unsigned) or '-' (signed) after the byte order, found '('"),
                Arguments.of(
                        "BU_: A\nBO_ 100 Msg: 8 A\n SG_ S : 0|8@1+ (1;0) [0|0] \"\" A\n",
                        3,
                        19,
                        "expected ',' between factor and offset, found ';'"),
                Arguments.of(
                        "BU_: A\nBO_ 100 Msg: 8 A\n SG_ S X1 : 0|8@1+ (1,0) [0|0] \"\" A\n",
                        3,
                        8,
                        "multiplexer indicator"),
                Arguments.of(
                        "BU_: A\nBO_ 100 Msg: 2 A\n SG_ S : 12|8@1+ (1,0) [0|0] \"\" A\n",
                        3,
                        10,
                        "signal 'S' (start bit 12, 8 bits, Intel) does not fit in the 2-byte message 'Msg'"),
                Arguments.of(
                        "BU_: A\nBO_ 100 Msg: 2 A\n SG_ S : 7|16@0+ (1,0) [0|0] \"\" A\n SG_ T : 11|8@0+ (1,0) [0|0] \"\" A\n",
                        4,
                        10,
                        "signal 'T' (start bit 11, 8 bits, Motorola) does not fit"),
                Arguments.of(
                        "BU_: A\nBO_ 100 Msg: 65 A\n", 2, 14, "expected a message length from 0 to 64 bytes, found 65"),
                Arguments.of("BU_: A\nBO_ 2048 Msg: 8 A\n", 2, 5, "expected a standard id of at most 0x7FF"),
                Arguments.of("CM_ \"never closed;\n\nBU_: A\n", 1, 5, "expected a closing '\"' for this string"),
                Arguments.of(
                        "BU_: A\nCM_ BO_ 100 \"text\"\nBO_ 100 Msg: 8 A\n",
                        3,
                        1,
                        "expected ';' at the end of the comment, found 'BO_'"),
                Arguments.of("BU_: A\n\n  # not a comment\n", 3, 3, "unexpected character '#'"),
                Arguments.of("BU_: A\n 42 \n", 2, 2, "expected a keyword such as BO_"),
                Arguments.of(
                        "BU_: A\nBO_ 100 Msg: 8 A\n SG_ S : 0|12@1+ (1,0) [0|0] \"\" A\nSIG_VALTYPE_ 100 S : 1;\n",
                        4,
                        22,
                        "is 12 bits long; a float signal must be 32"),
                Arguments.of(
                        "BA_DEF_ BO_ \"X\" INTEGER 0 1;\n",
                        1,
                        17,
                        "expected the attribute type INT, HEX, FLOAT, STRING or ENUM"),
                Arguments.of(
                        "SG_MUL_VAL_ 100 S M 3-1;\n", 1, 21, "expected a multiplexer range low-high with low <= high"),
                Arguments.of(
                        "VAL_ 100 S 0 \"a\" 1 ;\n", 1, 20, "expected the description string of the value, found ';'"));
    }

    @ParameterizedTest(name = "[{index}] line {1} column {2}: {3}")
    @MethodSource("malformed")
    void shouldReportLineColumnAndWhatWasExpected(String text, int line, int column, String expected) {
        assertThatThrownBy(() -> DbcParser.parse(text, "broken.dbc"))
                .isInstanceOfSatisfying(DbcParseException.class, e -> {
                    assertThat(e.line()).isEqualTo(line);
                    assertThat(e.column()).isEqualTo(column);
                    assertThat(e.problem()).contains(expected);
                    assertThat(e.getMessage()).startsWith("broken.dbc:" + line + ":" + column + ": ");
                });
    }
}
