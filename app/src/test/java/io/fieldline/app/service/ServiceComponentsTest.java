package io.fieldline.app.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.sink.SinkConfig;
import io.fieldline.sink.SinkStream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceComponentsTest {

    @Test
    void shouldPointTheSinksAtThePrefixedTopicsUnlessATopicIsSetExplicitly() {
        ServiceContext context = new ServiceContext(
                Map.of("topics.prefix", "site1.", SinkConfig.TOPIC_ALERTS, "custom.alerts"),
                Map.of(),
                new SimpleMeterRegistry());

        SinkConfig config = ServiceComponents.sinkConfig(context);

        assertThat(config.topics(SinkStream.KPIS)).containsExactly("site1.telemetry.kpis");
        assertThat(config.getString(SinkConfig.TOPIC_MEASUREMENTS)).isEqualTo("site1.telemetry.readings.enriched");
        assertThat(config.getString(SinkConfig.TOPIC_DEADLETTER)).isEqualTo("site1.deadletter.sink");
        assertThat(config.getString(SinkConfig.TOPIC_ALERTS)).isEqualTo("custom.alerts");
    }
}
