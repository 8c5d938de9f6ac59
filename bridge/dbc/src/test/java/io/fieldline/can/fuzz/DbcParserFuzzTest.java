package io.fieldline.can.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.can.dbc.DbcParseException;
import io.fieldline.can.dbc.DbcParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

/**
 * 100,000 generated DBC texts: mutations of a real file (a fragment cut out, tokens inserted, a span repeated) and
 * arbitrary token sequences. The parser returns a DBC or refuses with {@link DbcParseException} and a reason
 * (file, line, column, problem), nothing else. A file over the size limit is refused naming it.
 */
class DbcParserFuzzTest {

    /** The start of a real file (nodes, messages, signals, comments, attributes): 100,000 parses stay in seconds. */
    private static final String FIXTURE =
            fixture().substring(0, Math.min(1_500, fixture().length()));

    private static final String[] TOKENS = {
        "BO_ ",
        "SG_ ",
        "BU_: ",
        "VERSION ",
        "\"x\" ",
        "CM_ ",
        "BA_DEF_ ",
        "BA_ ",
        "VAL_ ",
        "SG_MUL_VAL_ ",
        "m0 ",
        "M ",
        ": ",
        "| ",
        "@1+ ",
        "@0- ",
        "(1,0) ",
        "[0|100] ",
        "; ",
        "\n",
        "2147483647 ",
        "-1 ",
        "1e309 ",
        "0x7FF ",
        "\"",
        "Vector__XXX ",
        "NS_ : ",
        "BS_: ",
        "EV_ ",
        "SIG_GROUP_ ",
        "BO_TX_BU_ ",
        "{",
        "}"
    };

    @Property(tries = 100_000)
    void shouldParseOrRefuseWithAReason(@ForAll("texts") String text) {
        try {
            assertThat(DbcParser.parse(text, "fuzz.dbc")).isNotNull();
        } catch (DbcParseException e) {
            assertThat(e.problem()).isNotBlank();
            assertThat(e.getMessage()).startsWith("fuzz.dbc:");
        }
    }

    @Test
    void shouldRefuseAFileOverTheSizeLimitNamingIt() {
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return ' ';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                java.util.Arrays.fill(b, off, off + len, (byte) ' ');
                return len;
            }
        };
        assertThatThrownBy(() -> DbcParser.readBounded(endless, "huge.dbc"))
                .isInstanceOf(DbcParseException.class)
                .hasMessageContaining("DBC file size limit")
                .hasMessageContaining(Integer.toString(DbcParser.MAX_FILE_BYTES));
    }

    @Provide
    Arbitrary<String> texts() {
        int length = FIXTURE.length();
        Arbitrary<Integer> position = Arbitraries.integers().between(0, length);
        Arbitrary<String> cut = Combinators.combine(
                        position, Arbitraries.integers().between(0, 200))
                .as((from, span) -> FIXTURE.substring(0, from) + FIXTURE.substring(Math.min(length, from + span)));
        Arbitrary<String> inserted = Combinators.combine(
                        position, Arbitraries.of(TOKENS).list().ofMaxSize(4))
                .as((at, list) -> FIXTURE.substring(0, at) + String.join("", list) + FIXTURE.substring(at));
        Arbitrary<String> repeated = Arbitraries.integers()
                .between(0, Math.max(0, length - 80))
                .map(at -> FIXTURE.substring(0, at)
                        + FIXTURE.substring(at, at + 80).repeat(3)
                        + FIXTURE.substring(at));
        Arbitrary<String> tokens = Arbitraries.of(TOKENS).list().ofMaxSize(60).map(list -> String.join("", list));
        Arbitrary<String> bytes = Arbitraries.strings().ofMaxLength(300);
        return Arbitraries.frequencyOf(
                Tuple.of(3, cut),
                Tuple.of(3, inserted),
                Tuple.of(1, repeated),
                Tuple.of(2, tokens),
                Tuple.of(1, bytes));
    }

    private static String fixture() {
        try (InputStream in = DbcParserFuzzTest.class.getResourceAsStream("/dbc/decode-fixture.dbc")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
