package io.fieldline.app.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ApiTokensTest {

    @RepeatedTest(20)
    void shouldTakeEveryGeneratedTokenAsWellFormed() {
        assertThat(ApiTokens.wellFormed(ApiTokens.generate())).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "flt_",
                "flt_not-a-token",
                // one character short, one too many
                "flt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                "flt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                // a character outside base64url
                "flt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",
                "FLT_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                "xyz_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            })
    void shouldRefuseTextsThatAreNotOfTheTokensForm(String presented) {
        assertThat(ApiTokens.wellFormed(presented)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "flt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                "flt_-_09azAZ-_09azAZ-_09azAZ-_09azAZ-_09azAZ-ab"
            })
    void shouldTakeTheTokensForm(String presented) {
        assertThat(ApiTokens.wellFormed(presented)).isTrue();
    }
}
