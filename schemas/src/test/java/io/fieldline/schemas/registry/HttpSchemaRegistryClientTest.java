package io.fieldline.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fieldline.schemas.avro.Reading;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Our client's side of the Confluent REST API, against canned answers of a JDK HTTP server. */
class HttpSchemaRegistryClientTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema READING = Reading.getClassSchema();
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private final CannedRegistryServer server = new CannedRegistryServer();

    HttpSchemaRegistryClientTest() throws IOException {}

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpSchemaRegistryClient client(int retries) {
        return client(server.url(), retries);
    }

    private static HttpSchemaRegistryClient client(String urls, int retries) {
        return new HttpSchemaRegistryClient(Map.of(
                SchemaRegistryClientConfig.URL,
                urls,
                SchemaRegistryClientConfig.RETRIES,
                retries,
                SchemaRegistryClientConfig.RETRY_BACKOFF_MS,
                10L,
                SchemaRegistryClientConfig.REQUEST_TIMEOUT_MS,
                5_000));
    }

    private static String versionAnswer(String subject, int version, int id, Schema schema) throws IOException {
        return JSON.createObjectNode()
                .put("subject", subject)
                .put("version", version)
                .put("id", id)
                .put("schema", schema.toString())
                .toString();
    }

    private static String schemaAnswer(Schema schema) {
        return JSON.createObjectNode().put("schema", schema.toString()).toString();
    }

    @Test
    void shouldRegisterWithConfluentPathContentTypeAndBodyThenCacheTheId() throws IOException {
        server.answer(200, "{\"id\":42}");
        HttpSchemaRegistryClient client = client(0);

        assertThat(client.register("telemetry.readings-value", READING)).isEqualTo(42);
        assertThat(client.register("telemetry.readings-value", READING)).isEqualTo(42);

        CannedRegistryServer.Request request = server.onlyRequest();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/subjects/telemetry.readings-value/versions");
        assertThat(request.contentType()).isEqualTo(CONTENT_TYPE);
        assertThat(request.accept()).startsWith(CONTENT_TYPE);
        JsonNode body = JSON.readTree(request.body());
        assertThat(body.has("schemaType")).as("schemaType omitted for AVRO").isFalse();
        assertThat(new Schema.Parser().parse(body.get("schema").asText())).isEqualTo(READING);
        assertThat(client.getById(42)).as("registered schema cached by id").isEqualTo(READING);
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void shouldGetASchemaByIdOnceAndCacheIt() {
        server.answer(200, schemaAnswer(READING));
        HttpSchemaRegistryClient client = client(0);

        assertThat(client.getById(7)).isEqualTo(READING);
        assertThat(client.getById(7)).isEqualTo(READING);

        assertThat(server.onlyRequest().method()).isEqualTo("GET");
        assertThat(server.onlyRequest().path()).isEqualTo("/schemas/ids/7");
    }

    @Test
    void shouldLookUpASchemaWithoutRegisteringIt() throws IOException {
        server.answer(200, versionAnswer("s-value", 3, 11, READING));

        assertThat(client(0).lookup("s-value", READING)).isEqualTo(11);

        assertThat(server.onlyRequest().method()).isEqualTo("POST");
        assertThat(server.onlyRequest().path()).isEqualTo("/subjects/s-value");
        assertThat(server.onlyRequest().contentType()).isEqualTo(CONTENT_TYPE);
    }

    @Test
    void shouldReadLatestAndNumberedVersions() throws IOException {
        server.answer(200, versionAnswer("s-value", 2, 5, READING))
                .answer(200, versionAnswer("s-value", 1, 4, READING));
        HttpSchemaRegistryClient client = client(0);

        assertThat(client.latest("s-value")).isEqualTo(new SchemaVersion("s-value", 2, 5, READING));
        assertThat(client.version("s-value", 1)).isEqualTo(new SchemaVersion("s-value", 1, 4, READING));

        assertThat(server.requests())
                .extracting(CannedRegistryServer.Request::path)
                .containsExactly("/subjects/s-value/versions/latest", "/subjects/s-value/versions/1");
    }

    @Test
    void shouldListSubjectsAndVersionsAndDeleteASubject() {
        server.answer(200, "[\"a-value\",\"b-key\"]").answer(200, "[1,2,3]").answer(200, "[1,2,3]");
        HttpSchemaRegistryClient client = client(0);

        assertThat(client.subjects()).containsExactly("a-value", "b-key");
        assertThat(client.versions("a-value")).containsExactly(1, 2, 3);
        assertThat(client.deleteSubject("a-value")).containsExactly(1, 2, 3);

        assertThat(server.requests())
                .extracting(r -> r.method() + " " + r.path())
                .containsExactly("GET /subjects", "GET /subjects/a-value/versions", "DELETE /subjects/a-value");
    }

    @Test
    void shouldCheckCompatibilityAgainstTheLatestVersion() throws IOException {
        server.answer(200, "{\"is_compatible\":true}").answer(200, "{\"is_compatible\":false}");
        HttpSchemaRegistryClient client = client(0);

        assertThat(client.isCompatible("s-value", READING)).isTrue();
        assertThat(client.isCompatible("s-value", READING)).isFalse();

        CannedRegistryServer.Request request = server.requests().get(0);
        assertThat(request.method() + " " + request.path())
                .isEqualTo("POST /compatibility/subjects/s-value/versions/latest");
        assertThat(request.contentType()).isEqualTo(CONTENT_TYPE);
        assertThat(JSON.readTree(request.body()).get("schema").asText()).isEqualTo(READING.toString());
    }

    @Test
    void shouldTreatASubjectWithoutVersionsAsCompatible() {
        server.answer(404, "{\"error_code\":40401,\"message\":\"Subject 'new-value' not found.\"}");

        assertThat(client(0).isCompatible("new-value", READING)).isTrue();
    }

    @Test
    void shouldFallBackToTheGlobalLevelWhenTheSubjectHasNone() {
        server.answer(
                        404,
                        "{\"error_code\":40408,\"message\":\"Subject 's' does not have subject-level compatibility configured\"}")
                .answer(200, "{\"compatibilityLevel\":\"FULL\"}")
                .answer(200, "{\"compatibilityLevel\":\"BACKWARD\"}");
        HttpSchemaRegistryClient client = client(0);

        assertThat(client.compatibility("s-value")).isEqualTo("FULL");
        assertThat(client.compatibility(null)).isEqualTo("BACKWARD");

        assertThat(server.requests())
                .extracting(r -> r.method() + " " + r.path())
                .containsExactly("GET /config/s-value", "GET /config", "GET /config");
    }

    @Test
    void shouldSetCompatibilityWithAPut() throws IOException {
        server.answer(200, "{\"compatibility\":\"NONE\"}").answer(200, "{\"compatibility\":\"FULL\"}");
        HttpSchemaRegistryClient client = client(0);

        client.setCompatibility("s-value", "NONE");
        client.setCompatibility(null, "FULL");

        assertThat(server.requests())
                .extracting(r -> r.method() + " " + r.path() + " " + r.contentType())
                .containsExactly("PUT /config/s-value " + CONTENT_TYPE, "PUT /config " + CONTENT_TYPE);
        assertThat(JSON.readTree(server.requests().get(0).body())
                        .get("compatibility")
                        .asText())
                .isEqualTo("NONE");
    }

    @Test
    void shouldEncodeSubjectsInThePath() {
        server.answer(200, "[1]");

        client(0).versions("my topic/with slash-value");

        assertThat(server.onlyRequest().path()).isEqualTo("/subjects/my%20topic%2Fwith%20slash-value/versions");
    }

    @Test
    void shouldMapConfluentErrorBodiesWithoutRetrying() {
        server.answer(404, "{\"error_code\":40401,\"message\":\"Subject 'x-value' not found.\"}");

        assertThatThrownBy(() -> client(3).latest("x-value"))
                .asInstanceOf(type(SchemaRegistryException.class))
                .satisfies(e -> {
                    assertThat(e.httpStatus()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND);
                    assertThat(e.isNotFound()).isTrue();
                    assertThat(e.isTransient()).isFalse();
                    assertThat(e)
                            .hasMessageContaining("Subject 'x-value' not found.")
                            .hasMessageContaining("40401");
                });
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void shouldMapAnUnknownIdToNotFound() {
        server.answer(404, "{\"error_code\":40403,\"message\":\"Schema 99 not found\"}");

        assertThatThrownBy(() -> client(0).getById(99))
                .asInstanceOf(type(SchemaRegistryException.class))
                .satisfies(e -> assertThat(e.isNotFound()).isTrue());
    }

    @Test
    void shouldNotRetryAnIncompatibleSchema() {
        server.answer(409, "{\"error_code\":409,\"message\":\"Schema being registered is incompatible\"}");

        assertThatThrownBy(() -> client(3).register("s-value", READING))
                .asInstanceOf(type(SchemaRegistryException.class))
                .satisfies(e -> {
                    assertThat(e.isIncompatible()).isTrue();
                    assertThat(e.isTransient()).isFalse();
                });
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void shouldMapAnInvalidSchema() {
        server.answer(422, "{\"error_code\":42201,\"message\":\"Invalid schema\"}");

        assertThatThrownBy(() -> client(3).register("s-value", READING))
                .asInstanceOf(type(SchemaRegistryException.class))
                .satisfies(e -> assertThat(e.isInvalidSchema()).isTrue());
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void shouldRetryUnavailableAndTooManyRequestsThenSucceed() {
        server.answer(503, "{\"error_code\":50003,\"message\":\"forwarding failed\"}")
                .answer(429, "")
                .answer(200, "{\"id\":3}");

        assertThat(client(3).register("s-value", READING)).isEqualTo(3);

        assertThat(server.requests())
                .hasSize(3)
                .allSatisfy(r -> assertThat(r.path()).isEqualTo("/subjects/s-value/versions"));
    }

    @Test
    void shouldGiveUpAfterTheConfiguredRetries() {
        server.answer(500, "<html>oops</html>").answer(500, "<html>oops</html>").answer(500, "<html>oops</html>");

        assertThatThrownBy(() -> client(2).getById(1))
                .asInstanceOf(type(SchemaRegistryException.class))
                .satisfies(e -> {
                    assertThat(e.isTransient()).isTrue();
                    assertThat(e.httpStatus()).isEqualTo(500);
                    assertThat(e)
                            .hasMessageContaining("gave up after 3 attempts")
                            .hasMessageContaining("oops");
                });
        assertThat(server.requests()).hasSize(3);
    }

    @Test
    void shouldTryTheNextUrlWhenOneRefusesConnections() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        server.answer(200, "{\"id\":9}");

        HttpSchemaRegistryClient client = client("http://127.0.0.1:" + closedPort + "," + server.url(), 0);

        assertThat(client.register("s-value", READING)).isEqualTo(9);
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void shouldFailAsTransientWhenNoUrlAnswers() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }

        assertThatThrownBy(() -> client("http://127.0.0.1:" + closedPort, 1).getById(1))
                .asInstanceOf(type(SchemaRegistryException.class))
                .satisfies(e -> {
                    assertThat(e.isTransient()).isTrue();
                    assertThat(e.httpStatus()).isEqualTo(SchemaRegistryException.NO_STATUS);
                    assertThat(e).hasMessageContaining("gave up after 2 attempts");
                });
    }

    @Test
    void shouldStopRetryingAndKeepTheInterruptFlagWhenInterrupted() {
        for (int i = 0; i < 5; i++) {
            server.answer(503, "");
        }
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(Map.of(
                SchemaRegistryClientConfig.URL,
                server.url(),
                SchemaRegistryClientConfig.RETRIES,
                5,
                SchemaRegistryClientConfig.RETRY_BACKOFF_MS,
                60_000L));
        long start = System.nanoTime();
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> client.getById(1))
                    .isInstanceOf(SchemaRegistryException.class)
                    .hasMessageContaining("interrupted");
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
            assertThat(System.nanoTime() - start).isLessThan(10_000_000_000L);
        } finally {
            Thread.interrupted();
        }
    }
}
