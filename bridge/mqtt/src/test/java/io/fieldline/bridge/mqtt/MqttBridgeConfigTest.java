package io.fieldline.bridge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.bridge.mqtt.decode.DecodeContext;
import io.fieldline.bridge.mqtt.route.PayloadFormat;
import io.fieldline.bridge.mqtt.route.Route;
import io.fieldline.bridge.mqtt.route.Router;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MqttBridgeConfigTest {

    private static Map<String, Object> props(String... keysAndValues) {
        Map<String, Object> props = new HashMap<>();
        props.put("kafka.bootstrap.servers", "localhost:9092");
        for (int i = 0; i < keysAndValues.length; i += 2) {
            props.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return props;
    }

    @Test
    void shouldDefaultToTheTelemetryAndSparkplugPresets() {
        MqttBridgeConfig config = new MqttBridgeConfig(props());

        assertThat(config.routes()).extracting(Route::name).containsExactly("telemetry", "sparkplug");
        Route sparkplug = config.routes().get(1);
        assertThat(sparkplug.format()).isEqualTo(PayloadFormat.SPARKPLUG_B);
        assertThat(sparkplug.device().toString()).isEqualTo("{edge}/{device}");
        assertThat(new Router(config.routes()).subscriptionFilters(config.sharedGroup()))
                .containsExactly(
                        "$share/fieldline/sites/+/rooms/+/devices/+/telemetry", "$share/fieldline/spBv1.0/+/+/+/#");
        assertThat(config.routes().get(0).site().toString()).isEqualTo("{site}");
    }

    @Test
    void shouldParseACustomRoute() {
        MqttBridgeConfig config = new MqttBridgeConfig(props(
                "mqtt.routes", "values",
                "mqtt.route.values.filter", "farms/{farm}/houses/{house}/{sensor}",
                "mqtt.route.values.device", "payload:serial",
                "mqtt.route.values.room", "{house}",
                "mqtt.route.values.topic", "custom.readings",
                "mqtt.route.values.attributes", "farm={farm},line=A",
                "mqtt.route.values.shared", "false"));

        Route route = config.routes().get(0);
        assertThat(route.deviceField()).isEqualTo("serial");
        assertThat(route.device()).isNull();
        assertThat(route.kafkaTopic()).isEqualTo("custom.readings");
        assertThat(route.room().toString()).isEqualTo("{house}");
        assertThat(route.site()).isNull();
        assertThat(route.sensor().toString()).isEqualTo("{sensor}");
        assertThat(route.attributes()).containsOnlyKeys("farm", "line");
        assertThat(route.shared()).isFalse();
    }

    @Test
    void shouldGiveEveryRouteTheEventTimeToleranceForTheDecoders() throws Exception {
        MqttBridgeConfig defaults = new MqttBridgeConfig(props());
        MqttBridgeConfig strict = new MqttBridgeConfig(props("mqtt.event.time.max.future.ms", "1500"));
        Instant received = Instant.parse("2024-05-01T12:00:00Z");

        DecodeContext context = new Router(strict.routes())
                .match("sites/s/rooms/r/devices/d/telemetry")
                .orElseThrow()
                .context(received);

        assertThat(defaults.routes()).allSatisfy(r -> assertThat(r.maxFuture()).isEqualTo(Duration.ofMinutes(5)));
        assertThat(context.maxFuture()).isEqualTo(Duration.ofMillis(1500));
        assertThat(context.latestEventTime()).isEqualTo(received.plusMillis(1500));
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "mqtt.server.uris|http://broker:1883|mqtt.server.uris",
                "mqtt.receive.maximum|0|mqtt.receive.maximum",
                "mqtt.receive.maximum|70000|mqtt.receive.maximum",
                "mqtt.subscription.qos|2|mqtt.subscription.qos",
                "mqtt.session.expiry.seconds|-1|mqtt.session.expiry.seconds",
                "mqtt.client.id|''|mqtt.client.id",
                "mqtt.routes|'a,a'|mqtt.routes",
                "mqtt.routes|'a b'|mqtt.routes",
                "mqtt.route.telemetry.filter|sites/{site}/x+|mqtt.route.telemetry.filter",
                "mqtt.route.telemetry.format|xml|mqtt.route.telemetry.format",
                "mqtt.route.telemetry.device|{serial}|mqtt.route.telemetry.device",
                "mqtt.route.telemetry.device|payload:|mqtt.route.telemetry.device",
                "mqtt.route.sparkplug.device|payload:id|mqtt.route.sparkplug.device",
                "mqtt.route.telemetry.attributes|novalue|mqtt.route.telemetry.attributes",
                "mqtt.route.telemetry.site|{nope}|mqtt.route.telemetry.site",
                "mqtt.route.telemtry.filter|a/b|mqtt.route.telemtry.filter",
                "mqtt.subscriptions|a/#/b|mqtt.subscriptions",
                "mqtt.tls.truststore.location|/no/such/file.p12|mqtt.tls.truststore.location",
                "kafka.producer.acks|1|kafka.producer.acks",
                "mqtt.reconnect.backoff.min.seconds|120|mqtt.reconnect.backoff.min.seconds",
                "mqtt.event.time.max.future.ms|-1|mqtt.event.time.max.future.ms"
            })
    void shouldFailAtConstructionNamingTheKey(String key, String value, String namedKey) {
        assertThatThrownBy(() -> new MqttBridgeConfig(props(key, value)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(namedKey);
    }

    @Test
    void shouldRequireAFilterForACustomRoute() {
        assertThatThrownBy(() -> new MqttBridgeConfig(props("mqtt.routes", "mine")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("mqtt.route.mine.filter");
    }

    @Test
    void shouldEnforceAcksAllAndIdempotenceAndPassOtherProducerSettingsThrough() {
        MqttBridgeConfig config =
                new MqttBridgeConfig(props("kafka.bootstrap.servers", "k:9092", "kafka.producer.batch.size", "65536"));

        Map<String, Object> producer = config.producerProperties();

        assertThat(producer)
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "k:9092")
                .containsEntry("batch.size", "65536");
    }

    @Test
    void shouldFailNamingBothKeysWhenTheLingerIsSetTwice() {
        assertThatThrownBy(() ->
                        new MqttBridgeConfig(props("mqtt.kafka.linger.ms", "2", "kafka.producer.linger.ms", "50")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.producer.linger.ms")
                .hasMessageContaining("mqtt.kafka.linger.ms");
    }

    @Test
    void shouldTakeTheSharedLingerWhenTheBridgeKeepsItsDefault() {
        MqttBridgeConfig config = new MqttBridgeConfig(props("kafka.producer.linger.ms", "50"));

        assertThat(config.producerProperties())
                .containsEntry(ProducerConfig.LINGER_MS_CONFIG, 50)
                .containsEntry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
    }

    @Test
    void shouldGiveTheProducerTheSharedSecuritySettings() {
        MqttBridgeConfig config = new MqttBridgeConfig(props(
                "kafka.security.protocol",
                "SASL_SSL",
                "kafka.sasl.mechanism",
                "SCRAM-SHA-256",
                "kafka.sasl.jaas.config",
                "secret-jaas"));

        assertThat(config.producerProperties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-256")
                .containsKey("sasl.jaas.config");
        assertThat(config.producerProperties().toString()).doesNotContain("secret-jaas");
    }

    @Test
    void shouldDocumentEveryKeyIncludingThePresetRoutes() {
        assertThat(MqttBridgeConfig.configDef().names())
                .contains(
                        "mqtt.server.uris",
                        "mqtt.receive.maximum",
                        "mqtt.route.telemetry.filter",
                        "mqtt.route.sparkplug.device");
        assertThat(MqttBridgeConfig.configDef().configKeys().values())
                .allSatisfy(key -> assertThat(key.documentation).isNotBlank());
    }
}
