package io.fieldline.core.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class KafkaClientConfigTest {

    private static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required "
            + "username=\"fieldline\" password=\"s3cret-jaas\";";

    private static Map<String, Object> props(String... keysAndValues) {
        Map<String, Object> props = new HashMap<>();
        props.put(KafkaClientConfig.BOOTSTRAP_SERVERS, "k1:9093,k2:9093");
        for (int i = 0; i < keysAndValues.length; i += 2) {
            props.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return props;
    }

    private static Map<String, Object> secured() {
        return props(
                KafkaClientConfig.SECURITY_PROTOCOL,
                "SASL_SSL",
                KafkaClientConfig.SASL_MECHANISM,
                "SCRAM-SHA-512",
                KafkaClientConfig.SASL_JAAS_CONFIG,
                JAAS,
                KafkaClientConfig.SSL_TRUSTSTORE_PASSWORD,
                "s3cret-trust",
                KafkaClientConfig.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM,
                "",
                "kafka.ssl.enabled.protocols",
                "TLSv1.3",
                "kafka.sasl.login.connect.timeout.ms",
                "5000");
    }

    private static ClientRules producerRules() {
        return ClientRules.of("the test bridge")
                .enforce(ProducerConfig.ACKS_CONFIG, "all")
                .enforce(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .enforce(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class)
                .byDefault(ProducerConfig.CLIENT_ID_CONFIG, "fieldline-test");
    }

    @Test
    void shouldGiveTheSecuritySettingsToEveryClientType() {
        KafkaClientConfig config = new KafkaClientConfig(secured());

        for (Map<String, Object> client : List.of(
                config.producerProperties(producerRules()),
                config.consumerProperties(ClientRules.of("the test sink")),
                config.adminProperties(ClientRules.of("the test admin")),
                config.streamsProperties(ClientRules.of("the test streams")),
                config.commonProperties())) {
            assertThat(client)
                    .containsEntry("bootstrap.servers", "k1:9093,k2:9093")
                    .containsEntry("security.protocol", "SASL_SSL")
                    .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                    .containsEntry("sasl.jaas.config", new Password(JAAS))
                    .containsEntry("ssl.truststore.password", new Password("s3cret-trust"))
                    .containsEntry("ssl.endpoint.identification.algorithm", "")
                    .containsEntry("ssl.enabled.protocols", "TLSv1.3")
                    .containsEntry("sasl.login.connect.timeout.ms", "5000")
                    .doesNotContainKey("ssl.keystore.location");
        }
        assertThat(config.commonPropertiesAsStrings())
                .containsEntry("sasl.jaas.config", JAAS)
                .containsEntry("ssl.truststore.password", "s3cret-trust");
    }

    @Test
    void shouldBuildPropertiesTheKafkaClientsAccept() {
        // The clients parse the maps (Password values included) without connecting anywhere.
        KafkaClientConfig config = new KafkaClientConfig(props(
                KafkaClientConfig.BOOTSTRAP_SERVERS,
                "127.0.0.1:1",
                KafkaClientConfig.SECURITY_PROTOCOL,
                "SASL_PLAINTEXT",
                KafkaClientConfig.SASL_MECHANISM,
                "PLAIN",
                KafkaClientConfig.SASL_JAAS_CONFIG,
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";",
                "kafka.producer.linger.ms",
                "7"));

        Map<String, Object> producer = config.producerProperties(
                producerRules().enforce(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
        try (KafkaProducer<byte[], byte[]> client = new KafkaProducer<>(producer)) {
            assertThat(client.metrics()).isNotEmpty();
        }
        try (KafkaConsumer<byte[], byte[]> client = new KafkaConsumer<>(
                config.consumerProperties(ClientRules.of("t")),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            assertThat(client.metrics()).isNotEmpty();
        }
        try (Admin client = Admin.create(config.adminProperties(ClientRules.of("t")))) {
            assertThat(client.metrics()).isNotEmpty();
        }
    }

    @Test
    void shouldPassEachFamilyOnlyToItsClientType() {
        KafkaClientConfig config = new KafkaClientConfig(props(
                "kafka.producer.batch.size",
                "65536",
                "kafka.consumer.fetch.min.bytes",
                "1024",
                "kafka.admin.default.api.timeout.ms",
                "20000",
                "kafka.streams.producer.compression.type",
                "zstd"));

        assertThat(config.producerProperties(producerRules()))
                .containsEntry("batch.size", "65536")
                .doesNotContainKeys("fetch.min.bytes", "default.api.timeout.ms", "producer.compression.type");
        assertThat(config.consumerProperties(ClientRules.of("t")))
                .containsEntry("fetch.min.bytes", "1024")
                .doesNotContainKeys("batch.size");
        assertThat(config.adminProperties(ClientRules.of("t")))
                .containsEntry("default.api.timeout.ms", "20000")
                .doesNotContainKeys("batch.size");
        assertThat(config.streamsProperties(ClientRules.of("t")))
                .containsEntry("producer.compression.type", "zstd")
                .doesNotContainKeys("batch.size");
    }

    @Test
    void shouldEnforceTheComponentsKeysOverDefaultsAndLetPassThroughReplaceDefaults() {
        KafkaClientConfig config =
                new KafkaClientConfig(props("kafka.producer.client.id", "mine", "kafka.producer.acks", "all"));

        Map<String, Object> producer = config.producerProperties(producerRules().byDefault("linger.ms", 5));

        assertThat(producer)
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class)
                .containsEntry(ProducerConfig.CLIENT_ID_CONFIG, "mine")
                .containsEntry(ProducerConfig.LINGER_MS_CONFIG, 5);
    }

    @Test
    void shouldFailNamingTheUsersKeyWhenItContradictsAnEnforcedOne() {
        KafkaClientConfig config = new KafkaClientConfig(props("kafka.producer.acks", "1"));

        assertThatThrownBy(() -> config.producerProperties(producerRules()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.producer.acks")
                .hasMessageContaining("the test bridge needs acks=all");
        KafkaClientConfig serializer = new KafkaClientConfig(
                props("kafka.producer.key.serializer", "org.apache.kafka.common.serialization.StringSerializer"));
        assertThatThrownBy(() -> serializer.producerProperties(producerRules()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.producer.key.serializer");
    }

    @Test
    void shouldFailNamingBothKeysWhenAPassThroughDuplicatesAComponentKeyTheUserSet() {
        KafkaClientConfig config = new KafkaClientConfig(props("kafka.producer.linger.ms", "50"));

        assertThatThrownBy(() -> config.producerProperties(
                        producerRules().fromKey(ProducerConfig.LINGER_MS_CONFIG, "test.kafka.linger.ms", 2, true)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.producer.linger.ms")
                .hasMessageContaining("test.kafka.linger.ms");
    }

    @Test
    void shouldLetAPassThroughReplaceAComponentKeyLeftAtItsDefault() {
        KafkaClientConfig config = new KafkaClientConfig(props("kafka.producer.linger.ms", "50"));

        assertThat(config.producerProperties(
                        producerRules().fromKey(ProducerConfig.LINGER_MS_CONFIG, "test.kafka.linger.ms", 2, false)))
                .containsEntry(ProducerConfig.LINGER_MS_CONFIG, "50");
        assertThat(new KafkaClientConfig(props())
                        .producerProperties(producerRules()
                                .fromKey(ProducerConfig.LINGER_MS_CONFIG, "test.kafka.linger.ms", 2, false)))
                .containsEntry(ProducerConfig.LINGER_MS_CONFIG, 2);
        assertThat(new KafkaClientConfig(props())
                        .producerProperties(producerRules()
                                .fromKey(ProducerConfig.LINGER_MS_CONFIG, "test.kafka.linger.ms", 20, true)))
                .containsEntry(ProducerConfig.LINGER_MS_CONFIG, 20);
    }

    @Test
    void shouldFailNamingBothKeysWhenAPassThroughRestatesASharedSetting() {
        for (String[] pair : new String[][] {
            {"kafka.producer.bootstrap.servers", "kafka.bootstrap.servers"},
            {"kafka.consumer.security.protocol", "kafka.security.protocol"},
            {"kafka.admin.sasl.mechanism", "kafka.sasl.mechanism"},
            {"kafka.streams.producer.ssl.truststore.location", "kafka.ssl.truststore.location"}
        }) {
            assertThatThrownBy(() -> new KafkaClientConfig(props(pair[0], "x")))
                    .as(pair[0])
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(pair[0])
                    .hasMessageContaining(pair[1]);
        }
    }

    @Test
    void shouldRejectInvalidAndUnknownKeysNamingThem() {
        assertThatThrownBy(() -> new KafkaClientConfig(Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(KafkaClientConfig.BOOTSTRAP_SERVERS);
        assertThatThrownBy(() -> new KafkaClientConfig(props(KafkaClientConfig.SECURITY_PROTOCOL, "TLS")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(KafkaClientConfig.SECURITY_PROTOCOL);
        assertThatThrownBy(
                        () -> new KafkaClientConfig(props(KafkaClientConfig.SSL_TRUSTSTORE_LOCATION, "/no/such.p12")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(KafkaClientConfig.SSL_TRUSTSTORE_LOCATION);
        assertThatThrownBy(() -> new KafkaClientConfig(props("kafka.producer.linger.ms", "soon")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.producer.linger.ms");
        assertThatThrownBy(() -> new KafkaClientConfig(props("kafka.consumer.isolation.level", "dirty")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.consumer.isolation.level");
        assertThatThrownBy(() -> new KafkaClientConfig(props("kafka.bootstrap.server", "k:9092")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.bootstrap.server");
    }

    @Test
    void shouldNeverShowASecret() {
        Map<String, Object> settings = secured();
        settings.put(KafkaClientConfig.SSL_KEY_PASSWORD, "s3cret-key");
        settings.put("kafka.ssl.keystore.key", "s3cret-pem");
        settings.put("kafka.producer.client.id", "visible");
        KafkaClientConfig config = new KafkaClientConfig(settings);

        assertThat(config.toString()).contains("visible", "SASL_SSL", "k1:9093").doesNotContain("s3cret");
        assertThat(config.producerProperties(producerRules()).toString()).doesNotContain("s3cret");
        assertThat(config.consumerProperties(ClientRules.of("t")).toString()).doesNotContain("s3cret");
        assertThat(config.adminProperties(ClientRules.of("t")).toString()).doesNotContain("s3cret");
        assertThat(config.streamsProperties(ClientRules.of("t")).toString()).doesNotContain("s3cret");
        assertThatThrownBy(() -> new KafkaClientConfig(props("kafka.producer.sasl.jaas.config", JAAS)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.producer.sasl.jaas.config")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void shouldDocumentEveryKeyAndKnowItsFamilies() {
        assertThat(KafkaClientConfig.configDef().names()).allMatch(name -> name.startsWith(KafkaClientConfig.PREFIX));
        assertThat(KafkaClientConfig.configDef().configKeys().values())
                .allSatisfy(key -> assertThat(key.documentation).isNotBlank());
        assertThat(KafkaClientConfig.isDynamicKey("kafka.producer.linger.ms")).isTrue();
        assertThat(KafkaClientConfig.isDynamicKey("kafka.ssl.enabled.protocols"))
                .isTrue();
        assertThat(KafkaClientConfig.isDynamicKey(KafkaClientConfig.SSL_TRUSTSTORE_LOCATION))
                .isFalse();
        assertThat(KafkaClientConfig.configDef().configKeys().get(KafkaClientConfig.SASL_JAAS_CONFIG).type)
                .isEqualTo(org.apache.kafka.common.config.ConfigDef.Type.PASSWORD);
    }
}
