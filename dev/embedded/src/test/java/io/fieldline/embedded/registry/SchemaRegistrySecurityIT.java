package io.fieldline.embedded.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.LoopbackPort;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.embedded.tls.LocalTls;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.schemas.registry.SchemaRegistryClientConfig;
import io.fieldline.schemas.registry.SchemaRegistryException;
import io.fieldline.schemas.serde.AvroSerdes;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLSocket;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry with basic authentication, TLS and a small body cap: an unauthenticated request gets 401, a wrong
 * password fails the client naming the key, the serde registers and reads schemas with the right credentials over
 * https, and a body over the cap gets 413 with the limit.
 */
@ExtendWith(EmbeddedStackExtension.class)
class SchemaRegistrySecurityIT {

    private static final String USER = "fieldline";
    private static final String PASSWORD = "registry-secret-" + UUID.randomUUID();
    private static final int MAX_BODY = 16 * 1024;
    private static final Schema SCHEMA = new Schema.Parser()
            .parse("{\"type\":\"record\",\"name\":\"Probe\",\"namespace\":\"it\","
                    + "\"fields\":[{\"name\":\"device\",\"type\":\"string\"}]}");

    @TempDir
    static Path dir;

    private static LocalTls tls;
    private static SchemaRegistryServer registry;

    @BeforeAll
    static void startRegistry(EmbeddedStack stack) {
        tls = LocalTls.generate(dir.resolve("tls"), "registry-client");
        registry = new SchemaRegistryServer(
                stack.kafka().clientConfig(),
                "_schemas-secured-" + UUID.randomUUID(),
                LoopbackPort.pick(),
                SchemaRegistryServer.Security.none()
                        .withBasicAuth(Map.of(USER, PASSWORD))
                        .withTls(tls)
                        .withMaxRequestBytes(MAX_BODY));
        registry.start();
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    private static Map<String, Object> clientSettings(String userInfo) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(SchemaRegistryClientConfig.URL, registry.url());
        settings.put(
                SchemaRegistryClientConfig.SSL_TRUSTSTORE_LOCATION,
                tls.truststore().toString());
        settings.put(SchemaRegistryClientConfig.SSL_TRUSTSTORE_PASSWORD, tls.password());
        settings.put(SchemaRegistryClientConfig.RETRIES, 0);
        if (userInfo != null) {
            settings.put(SchemaRegistryClientConfig.BASIC_AUTH_USER_INFO, userInfo);
        }
        return settings;
    }

    @Test
    void shouldRefuseAnUnauthenticatedRequest() throws Exception {
        assertThat(registry.url()).startsWith("https://");
        HttpClient http = HttpClient.newBuilder()
                .sslContext(new SchemaRegistryClientConfig(clientSettings(null))
                        .sslContext()
                        .orElseThrow())
                .build();
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(registry.url() + "/subjects"))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
    }

    @Test
    void shouldFailAWrongPasswordNamingTheKey() {
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(clientSettings(USER + ":wrong"));
        assertThatThrownBy(() -> client.register("probe-wrong-value", SCHEMA))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("401")
                .hasMessageContaining(SchemaRegistryClientConfig.BASIC_AUTH_USER_INFO);
    }

    @Test
    void shouldServeTheSerdeWithCredentials() {
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(clientSettings(USER + ":" + PASSWORD));
        GenericRecord probe = new GenericData.Record(SCHEMA);
        probe.put("device", "gr-001");
        try (Serde<GenericRecord> serde = AvroSerdes.generic(client, false)) {
            byte[] bytes = serde.serializer().serialize("probe-" + UUID.randomUUID(), probe);
            // A new client has no cache: the deserializer fetches the schema by id, authenticated.
            try (Serde<GenericRecord> reader =
                    AvroSerdes.generic(new HttpSchemaRegistryClient(clientSettings(USER + ":" + PASSWORD)), false)) {
                GenericRecord read = reader.deserializer().deserialize("probe", bytes);
                assertThat(read.get("device").toString()).isEqualTo("gr-001");
            }
        }
    }

    @Test
    void shouldRefuseABodyOverTheCapWithTheLimit() throws Exception {
        String auth =
                java.util.Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        int port = URI.create(registry.url()).getPort();
        // A raw request: the answer comes before the body is sent, which an HTTP client library might not wait for.
        javax.net.ssl.SSLContext context = new SchemaRegistryClientConfig(clientSettings(null))
                .sslContext()
                .orElseThrow();
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(LoopbackPort.HOST, port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /subjects/huge-value/versions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Authorization: Basic " + auth + "\r\n"
                            + "Content-Type: application/vnd.schemaregistry.v1+json\r\n"
                            + "Content-Length: 100000000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            StringBuilder answer = new StringBuilder();
            byte[] buffer = new byte[1024];
            int read;
            while (!answer.toString().endsWith("}") && (read = in.read(buffer)) > 0) {
                answer.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
            }
            assertThat(answer.toString())
                    .startsWith("HTTP/1.1 413")
                    .contains("\"error_code\":413")
                    .contains("limit of " + MAX_BODY + " bytes");
        }
    }
}
