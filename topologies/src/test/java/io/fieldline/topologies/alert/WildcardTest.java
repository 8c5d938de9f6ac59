package io.fieldline.topologies.alert;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WildcardTest {

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource({
        "*, anything, true",
        "*, '', true",
        "dev-1, dev-1, true",
        "dev-1, dev-10, false",
        "dev-*, dev-10, true",
        "dev-*, xdev-10, false",
        "*temp*, air_temperature, true",
        "*temp*, humidity, false",
        "a*b*c, aXbYc, true",
        "a*b*c, aXcYb, false",
        "a*b, ab, true",
        "gh.[1]*, gh.[1]-north, true",
        "gh.?*, ghx-north, false",
        "**, x, true",
    })
    void shouldMatchStarAsAnyRunAndEverythingElseLiterally(String pattern, String text, boolean expected) {
        assertThat(new Wildcard(pattern).matches(text)).isEqualTo(expected);
    }
}
