package io.fieldline.app.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ApiServerTest {

    @ParameterizedTest
    @CsvSource({
        "GET, GET",
        "HEAD, HEAD",
        "POST, POST",
        "PUT, PUT",
        "DELETE, DELETE",
        "PATCH, PATCH",
        "OPTIONS, OPTIONS",
        "get, other",
        "TRACE, other",
        "CONNECT, other",
        "X-RANDOM-0001, other",
        "'', other"
    })
    void shouldTagOnlyKnownMethods(String method, String tag) {
        assertThat(ApiServer.methodTag(method)).isEqualTo(tag);
    }
}
