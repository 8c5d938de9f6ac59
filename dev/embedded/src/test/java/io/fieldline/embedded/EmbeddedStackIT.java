package io.fieldline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.core.kafka.TopicReadiness;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Source;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.schemas.registry.SchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedStackExtension.class)
class EmbeddedStackIT {

    private final EmbeddedStack stack;

    EmbeddedStackIT(EmbeddedStack stack) {
        this.stack = stack;
    }

    @Test
    void shouldStartEveryServerAndPublishTheirEndpoints() {
        assertThat(stack.endpoints())
                .containsOnlyKeys(
                        EmbeddedStack.KAFKA_BOOTSTRAP_SERVERS,
                        EmbeddedStack.SCHEMA_REGISTRY_URL,
                        EmbeddedStack.JDBC_URL,
                        EmbeddedStack.JDBC_USER,
                        EmbeddedStack.JDBC_PASSWORD,
                        EmbeddedStack.REDIS_URL,
                        EmbeddedStack.MQTT_URL);
        assertThat(List.copyOf(stack.endpoints().keySet()))
                .startsWith(EmbeddedStack.KAFKA_BOOTSTRAP_SERVERS, EmbeddedStack.SCHEMA_REGISTRY_URL);
        assertThat(stack.kafka().bootstrapServers()).startsWith("127.0.0.1:");
        assertThat(stack.schemaRegistry().url()).startsWith("http://127.0.0.1:");
        assertThat(stack.postgres().jdbcUrl())
                .startsWith("jdbc:postgresql://127.0.0.1:")
                .endsWith("/fieldline");
        assertThat(stack.redis().url()).startsWith("redis://127.0.0.1:");
        assertThat(stack.mqtt().url()).startsWith("tcp://127.0.0.1:");
        assertThat(stack.startedServers())
                .extracting(EmbeddedServer::name)
                .containsExactly("kafka", "postgres", "redis", "mqtt", "schema-registry");
        assertThat(stack.startedServers()).allMatch(EmbeddedServer::isRunning);
    }

    @Test
    void shouldRoundTripARecordThroughKafka() throws Exception {
        String topic = "stack-roundtrip-" + UUID.randomUUID();
        try (Admin admin = Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()))) {
            admin.createTopics(Set.of(new NewTopic(topic, 3, (short) 1))).all().get();
            TopicReadiness.awaitWritable(admin, List.of(topic), Duration.ofSeconds(30));
        }
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers());
        producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps)) {
            producer.send(new ProducerRecord<>(topic, "device-1", "21.5")).get();
        }
        Properties consumerProps = new Properties();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers());
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "stack-it-" + UUID.randomUUID());
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumerProps.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> received = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps)) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
                return !received.isEmpty();
            });
        }
        assertThat(received).singleElement().satisfies(record -> {
            assertThat(record.key()).isEqualTo("device-1");
            assertThat(record.value()).isEqualTo("21.5");
        });
    }

    @Test
    void shouldRoundTripAnAvroReadingThroughKafkaWithTheRealRegistry() throws Exception {
        String topic = "stack-readings-" + UUID.randomUUID();
        try (Admin admin = Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()))) {
            // The event time is in 2023: keep it past the broker's seven-day retention check.
            admin.createTopics(Set.of(
                            new NewTopic(topic, 1, (short) 1).configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1"))))
                    .all()
                    .get();
            TopicReadiness.awaitWritable(admin, List.of(topic), Duration.ofSeconds(30));
        }
        SchemaRegistryClient registry =
                new HttpSchemaRegistryClient(stack.schemaRegistry().url());
        Instant eventTime = Instant.ofEpochMilli(1_700_000_000_123L);
        Reading reading = Reading.newBuilder()
                .setDeviceId("device-7")
                .setSensor("air_temperature")
                .setValue(21.5)
                .setUnit("degC")
                .setEventTime(eventTime)
                .setIngestTime(eventTime.plusMillis(40))
                .setSource(Source.MQTT)
                .setQuality(Quality.GOOD)
                .setAttributes(Map.of("firmware", "1.2.3"))
                .build();

        try (Serde<Reading> serde = AvroSerdes.specific(Reading.class, registry, false);
                KafkaProducer<String, Reading> producer = new KafkaProducer<>(
                        Map.of(
                                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                stack.kafka().bootstrapServers()),
                        new StringSerializer(),
                        serde.serializer());
                KafkaConsumer<String, Reading> consumer = new KafkaConsumer<>(
                        Map.of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                stack.kafka().bootstrapServers(),
                                ConsumerConfig.GROUP_ID_CONFIG,
                                "stack-avro-" + UUID.randomUUID(),
                                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                                "earliest"),
                        new StringDeserializer(),
                        serde.deserializer())) {
            producer.send(new ProducerRecord<>(topic, null, eventTime.toEpochMilli(), reading.getDeviceId(), reading))
                    .get();
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, Reading>> received = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
                return !received.isEmpty();
            });
            assertThat(received).singleElement().satisfies(record -> {
                assertThat(record.key()).isEqualTo("device-7");
                assertThat(record.value()).isEqualTo(reading);
                assertThat(record.timestamp()).isEqualTo(eventTime.toEpochMilli());
            });
        }
        // TopicNameStrategy: the serializer registered the schema under "<topic>-value".
        assertThat(registry.subjects()).contains(topic + "-value");
        assertThat(registry.latest(topic + "-value").version()).isEqualTo(1);
        int id = registry.lookup(topic + "-value", Reading.getClassSchema());
        try (Serde<Reading> serde = AvroSerdes.specific(Reading.class, registry, false)) {
            ByteBuffer bytes = ByteBuffer.wrap(serde.serializer().serialize(topic, reading));
            // Confluent wire format: magic byte 0, then the registry's id as a big-endian int.
            assertThat(bytes.get()).isZero();
            assertThat(bytes.getInt()).isEqualTo(id);
        }
    }

    @Test
    void shouldRunPostgresWithLogicalReplicationAndTheFieldlineDatabase() throws Exception {
        try (Connection connection = stack.postgres().dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            assertThat(single(statement, "SHOW wal_level")).isEqualTo("logical");
            assertThat(single(statement, "SELECT current_database()")).isEqualTo("fieldline");
            assertThat(Integer.parseInt(single(statement, "SHOW max_replication_slots")))
                    .isGreaterThan(0);
            assertThat(single(statement, "SHOW server_version")).startsWith("17.");
        }
    }

    private static String single(Statement statement, String sql) throws Exception {
        try (ResultSet rows = statement.executeQuery(sql)) {
            assertThat(rows.next()).isTrue();
            return rows.getString(1);
        }
    }

    @Test
    void shouldAnswerRedisCommands() {
        RedisClient client = RedisClient.create(stack.redis().url());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> redis = connection.sync();
            assertThat(redis.ping()).isEqualTo("PONG");
            String key = "stack-it:" + UUID.randomUUID();
            assertThat(redis.set(key, "42")).isEqualTo("OK");
            assertThat(redis.get(key)).isEqualTo("42");
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void shouldDeliverAnMqtt5PublishToASubscriber() throws Exception {
        String topic = "fieldline/it/" + UUID.randomUUID();
        List<String> received = new CopyOnWriteArrayList<>();
        MqttClient subscriber = new MqttClient(stack.mqtt().url(), "sub-" + UUID.randomUUID(), new MemoryPersistence());
        MqttClient publisher = new MqttClient(stack.mqtt().url(), "pub-" + UUID.randomUUID(), new MemoryPersistence());
        try {
            subscriber.setCallback(new Collecting(received));
            subscriber.connect(new MqttConnectionOptions());
            subscriber.subscribe(topic, 1);
            publisher.connect(new MqttConnectionOptions());
            MqttMessage message = new MqttMessage("{\"t\":21.5}".getBytes(StandardCharsets.UTF_8));
            message.setQos(1);
            publisher.publish(topic, message);
            await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
            assertThat(received).containsExactly("{\"t\":21.5}");
        } finally {
            disconnect(publisher);
            disconnect(subscriber);
        }
    }

    @Test
    void shouldUseExternalServersWithoutStartingOrStoppingThem() throws Exception {
        StackOptions options = StackOptions.builder()
                .externalKafka(stack.kafka().bootstrapServers())
                .externalPostgres(
                        stack.postgres().jdbcUrl(),
                        stack.postgres().user(),
                        stack.postgres().password())
                .externalRedis(stack.redis().url())
                .externalMqtt(stack.mqtt().url())
                .schemasTopic("_schemas-external-" + UUID.randomUUID())
                .build();
        try (EmbeddedStack external = EmbeddedStack.start(options)) {
            // Only the registry is embedded; it keeps its schemas on the external Kafka cluster.
            assertThat(external.startedServers())
                    .extracting(EmbeddedServer::name)
                    .containsExactly("schema-registry");
            assertThat(external.kafka()).isNotInstanceOf(EmbeddedServer.class);
            assertThat(external.endpoints())
                    .containsEntry(
                            EmbeddedStack.KAFKA_BOOTSTRAP_SERVERS, stack.kafka().bootstrapServers())
                    .containsEntry(EmbeddedStack.JDBC_URL, stack.postgres().jdbcUrl())
                    .containsEntry(EmbeddedStack.REDIS_URL, stack.redis().url())
                    .containsEntry(EmbeddedStack.MQTT_URL, stack.mqtt().url());
            assertThat(external.schemaRegistry().url())
                    .isNotEqualTo(stack.schemaRegistry().url());
            try (Connection connection = external.postgres().dataSource().getConnection();
                    Statement statement = connection.createStatement()) {
                assertThat(single(statement, "SELECT current_database()")).isEqualTo("fieldline");
            }
        }
        assertThat(stack.startedServers()).allMatch(EmbeddedServer::isRunning);
    }

    @Test
    void shouldServeTheSchemaRegistryApi() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(stack.schemaRegistry().url() + "/config"))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"compatibilityLevel\"");
    }

    private static void disconnect(MqttClient client) throws MqttException {
        if (client.isConnected()) {
            client.disconnect();
        }
        client.close();
    }

    /** Paho calls the client-wide callback for every message; per-subscription listeners are not needed here. */
    private record Collecting(List<String> received) implements MqttCallback {
        @Override
        public void messageArrived(String topic, MqttMessage message) {
            received.add(new String(message.getPayload(), StandardCharsets.UTF_8));
        }

        @Override
        public void disconnected(MqttDisconnectResponse disconnectResponse) {}

        @Override
        public void mqttErrorOccurred(MqttException exception) {}

        @Override
        public void deliveryComplete(IMqttToken token) {}

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {}

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {}
    }
}
