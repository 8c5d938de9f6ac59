package io.fieldline.core.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactionTest {

    @Test
    void shouldHideUserInfoPasswordsOfEveryKindOfUrl() {
        assertThat(Redaction.redact("jdbc:postgresql://fieldline:pg-secret@db:5432/farm"))
                .isEqualTo("jdbc:postgresql://fieldline:***@db:5432/farm");
        assertThat(Redaction.redact("REDIS_URL=rediss://sink:redis-secret@cache:6380/0"))
                .isEqualTo("REDIS_URL=rediss://sink:***@cache:6380/0");
        assertThat(Redaction.redact("redis://lone-secret@cache:6379")).isEqualTo("redis://***@cache:6379");
        assertThat(Redaction.redact("tcp://device:mqtt-secret@broker:1883 refused"))
                .isEqualTo("tcp://device:***@broker:1883 refused");
        assertThat(Redaction.redact("jdbc:postgresql://db/farm?sslmode=verify-full&sslpassword=key-secret"))
                .isEqualTo("jdbc:postgresql://db/farm?sslmode=verify-full&sslpassword=***");
        assertThat(Redaction.redact("http://127.0.0.1:8081/subjects")).isEqualTo("http://127.0.0.1:8081/subjects");
        assertThat(Redaction.redact(null)).isNull();
    }
}
