package io.fieldline.app.service;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactionTest {

    @Test
    void shouldHidePasswordsInUrlsAndParameters() {
        assertThat(Redaction.redact("cannot connect to jdbc:postgresql://db:5432/f?user=u&password=s3cret&ssl=true"))
                .isEqualTo("cannot connect to jdbc:postgresql://db:5432/f?user=u&password=***&ssl=true");
        assertThat(Redaction.redact("Unable to connect to redis://:hunter2@cache:6379"))
                .isEqualTo("Unable to connect to redis://:***@cache:6379")
                .doesNotContain("hunter2");
        assertThat(Redaction.redact("mqtt ssl://bridge:pa55@broker:8883 refused"))
                .doesNotContain("pa55")
                .contains("ssl://bridge:***@broker:8883");
        assertThat(Redaction.redact("PASSWORD=x;token=abc def")).isEqualTo("PASSWORD=***;token=*** def");
        assertThat(Redaction.redact("plain 127.0.0.1:5432 refused")).isEqualTo("plain 127.0.0.1:5432 refused");
    }
}
