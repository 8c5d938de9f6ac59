package io.fieldline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.core.kafka.ClientRules;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.embedded.junit.SaslSslKafkaExtension;
import io.fieldline.embedded.tls.LocalTls;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The SASL_SSL-only embedded broker: its user gets in, a wrong password, plaintext or no client certificate do not. */
@ExtendWith(SaslSslKafkaExtension.class)
class KafkaBrokerSaslSslIT {

    @Test
    void shouldServeItsScramUserOverTlsWithAClientCertificate(KafkaBroker kafka) throws Exception {
        KafkaClientConfig clients = kafka.clientConfig();
        String topic = "sasl-ssl-" + UUID.randomUUID();
        try (Admin admin = Admin.create(clients.adminProperties(ClientRules.of("test")))) {
            admin.createTopics(Set.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                clients.producerProperties(ClientRules.of("test")), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "k", "over SASL_SSL")).get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> consumerProps = clients.consumerProperties(ClientRules.of("test")
                .byDefault(ConsumerConfig.GROUP_ID_CONFIG, "sasl-ssl-" + UUID.randomUUID())
                .byDefault(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<String> values = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            assertThat(values).containsExactly("over SASL_SSL");
        }
        LocalTls tls = kafka.tls();
        for (var file : tls.files()) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                    .as("permissions of %s", file)
                    .isEqualTo("rw-------");
        }
    }

    @Test
    void shouldRefuseAWrongPassword(KafkaBroker kafka) {
        KafkaClientConfig wrong =
                new KafkaClientConfig(kafka.clientSettings(SaslSslKafkaExtension.USER, "not-the-password"));
        try (Admin admin = Admin.create(wrong.adminProperties(ClientRules.of("test")))) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    @Test
    void shouldRefuseAClientWithoutCertificate(KafkaBroker kafka) {
        Map<String, String> settings = new HashMap<>(kafka.clientSettings(SaslSslKafkaExtension.USER, "x"));
        settings.keySet().removeIf(key -> key.startsWith("kafka.ssl.key"));
        settings.putAll(Map.of(
                KafkaClientConfig.SASL_JAAS_CONFIG,
                kafka.clientConfig().commonPropertiesAsStrings().get("sasl.jaas.config")));
        assertRefused(new KafkaClientConfig(settings));
    }

    @Test
    void shouldHaveNoPlaintextListener(KafkaBroker kafka) {
        assertRefused(KafkaClientConfig.forBootstrapServers(kafka.bootstrapServers()));
    }

    private static void assertRefused(KafkaClientConfig clients) {
        try (Admin admin = Admin.create(clients.adminProperties(ClientRules.of("test")
                .byDefault(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000)
                .byDefault(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000)))) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class);
        }
    }
}
