package io.fieldline.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The serdes created by class name and configured with Confluent's keys, as a Kafka producer, consumer or
 * Streams default serde does, talking to a registry over HTTP (a JDK server with a canned answer per path).
 */
class KafkaConfiguredSerdeTest {

    private static final int ID = 321;

    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    KafkaConfiguredSerdeTest() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String call =
                    exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath();
            calls.add(call);
            String body = switch (call) {
                case "POST /subjects/telemetry.readings-value/versions" -> "{\"id\":" + ID + "}";
                case "GET /schemas/ids/" + ID ->
                    new ObjectMapper()
                            .createObjectNode()
                            .put("schema", Reading.getClassSchema().toString())
                            .toString();
                default -> null;
            };
            byte[] out = (body != null ? body : "{\"error_code\":40403,\"message\":\"Schema not found\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(body != null ? 200 : 404, out.length);
            try (OutputStream stream = exchange.getResponseBody()) {
                stream.write(out);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static <T> T byClassName(Class<?> type, Class<T> as) {
        return as.cast(Utils.newInstance(type));
    }

    @Test
    void shouldRegisterThenReadSpecificRecordsWithConfluentKeys() {
        Map<String, Object> configs = Map.of("schema.registry.url", url(), "specific.avro.reader", true);
        @SuppressWarnings("unchecked") // instantiated by class name, as Kafka does
        Serializer<Object> serializer = byClassName(AvroSerializer.class, Serializer.class);
        @SuppressWarnings("unchecked")
        Deserializer<Object> deserializer = byClassName(AvroDeserializer.class, Deserializer.class);
        serializer.configure(configs, false);
        deserializer.configure(configs, false);

        byte[] bytes = serializer.serialize("telemetry.readings", AvroSerdeRoundTripTest.reading());
        Object read = deserializer.deserialize("telemetry.readings", bytes);

        assertThat(ConfluentWireFormat.schemaId(bytes)).isEqualTo(ID);
        assertThat(read).isInstanceOf(Reading.class).isEqualTo(AvroSerdeRoundTripTest.reading());
        // The serializer's registration primed nothing in the deserializer's own client: one fetch by id.
        assertThat(calls).containsExactly("POST /subjects/telemetry.readings-value/versions", "GET /schemas/ids/" + ID);
    }

    @Test
    void shouldReadGenericRecordsUnlessSpecificReaderIsSet() {
        AvroSerializer<Object> serializer = new AvroSerializer<>();
        AvroDeserializer<Object> deserializer = new AvroDeserializer<>();
        serializer.configure(Map.of("schema.registry.url", url()), false);
        deserializer.configure(Map.of("schema.registry.url", url()), false);

        Object read = deserializer.deserialize(
                "telemetry.readings", serializer.serialize("telemetry.readings", AvroSerdeRoundTripTest.reading()));

        assertThat(read).isInstanceOf(GenericRecord.class).isNotInstanceOf(Reading.class);
    }

    @Test
    void shouldReportAnUnknownIdAsASerializationException() {
        AvroDeserializer<Object> deserializer = new AvroDeserializer<>();
        deserializer.configure(Map.of("schema.registry.url", url()), false);

        assertThatThrownBy(() -> deserializer.deserialize("t", new byte[] {0, 0, 0, 0, 5, 0}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Unknown schema id 5");
    }

    @Test
    void shouldNotDisguiseAnUnreachableRegistryAsBadData() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        AvroDeserializer<Object> deserializer = new AvroDeserializer<>();
        deserializer.configure(
                Map.of("schema.registry.url", "http://127.0.0.1:" + closedPort, "schema.registry.retries", 0), false);

        assertThatThrownBy(() -> deserializer.deserialize("t", new byte[] {0, 0, 0, 0, 5, 0}))
                .isInstanceOf(SchemaRegistryException.class)
                .isNotInstanceOf(SerializationException.class)
                .satisfies(e ->
                        assertThat(((SchemaRegistryException) e).isTransient()).isTrue());
    }

    @Test
    void shouldFailConfigurationWithoutARegistryUrl() {
        assertThatThrownBy(() -> new AvroSerializer<>().configure(Map.of(), false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url");
    }

    @Test
    void shouldFailClearlyWhenUsedUnconfigured() {
        assertThatThrownBy(() -> new AvroSerializer<>().serialize("t", "x"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not configured");
    }
}
