package io.fieldline.can.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.can.candump.CandumpFormatException;
import io.fieldline.can.candump.CandumpParser;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * 100,000 generated lines, most near the candump formats (its characters, mutated real lines), some arbitrary
 * text: the parser returns a frame or refuses with {@link CandumpFormatException} and a reason, nothing else.
 */
class CandumpParserFuzzTest {

    private static final String[] SAMPLES = {
        "(1436509052.249713) can0 123#DEADBEEF",
        "(1436509052.249713) can0 12345678#00112233 R",
        "(0.000001) vcan1 7FF#R8",
        "(1.5) can0 123##1001122334455667788",
        "  can0  123   [8]  11 22 33 44 55 66 77 88",
        "  can0  18FEF100   [3]  01 02 03",
        "  can0  123   [4]  remote request",
        "(1436509052.249713)  can0  123   [2]  AB CD"
    };

    @Property(tries = 100_000)
    void shouldParseOrRefuseWithAReason(@ForAll("lines") String line) {
        try {
            assertThat(CandumpParser.parse(line)).isNotNull();
        } catch (CandumpFormatException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<String> lines() {
        Arbitrary<String> alphabet = Arbitraries.strings()
                .withChars("0123456789abcdefABCDEF#().[] RTcanvx_-\t")
                .ofMaxLength(160);
        Arbitrary<String> mutated = Arbitraries.of(SAMPLES)
                .flatMap(sample -> Arbitraries.integers()
                        .between(0, sample.length())
                        .flatMap(at -> Arbitraries.strings()
                                .withChars("0123456789ABCDEF#()[] R.-")
                                .ofMaxLength(6)
                                .map(insert -> sample.substring(0, at)
                                        + insert
                                        + sample.substring(Math.min(sample.length(), at + insert.length() % 3)))));
        Arbitrary<String> anything = Arbitraries.strings().ofMaxLength(200);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, mutated),
                net.jqwik.api.Tuple.of(4, alphabet),
                net.jqwik.api.Tuple.of(2, anything));
    }
}
