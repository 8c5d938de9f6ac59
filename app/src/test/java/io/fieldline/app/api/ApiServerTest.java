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

    @org.junit.jupiter.api.Test
    void shouldReleaseAnIdempotencyClaimOnlyWhenNothingOfTheRequestCanBeInKafka() {
        var metadata = new org.apache.kafka.common.errors.TimeoutException("Topic t not present in metadata");
        var expired = new org.apache.kafka.common.errors.TimeoutException("Expiring 1 record(s)");
        assertThat(ApiServer.nothingWritten(
                        new io.fieldline.bridge.ingress.IngressFailedException("failed", metadata, 0, true)))
                .as("failed in send(), none acknowledged")
                .isTrue();
        assertThat(ApiServer.nothingWritten(
                        new io.fieldline.bridge.ingress.IngressFailedException("failed", expired, 0, false)))
                .as("timed out after it was sent: may be written")
                .isFalse();
        assertThat(ApiServer.nothingWritten(
                        new io.fieldline.bridge.ingress.IngressFailedException("failed", metadata, 2, true)))
                .as("readings 1..2 acknowledged before the batch failed")
                .isFalse();
        assertThat(ApiServer.nothingWritten(new io.fieldline.bridge.ingress.IngressFailedException("failed", expired)))
                .as("unknown")
                .isFalse();
        assertThat(ApiServer.nothingWritten(new IllegalStateException("other"))).isFalse();
    }
}
