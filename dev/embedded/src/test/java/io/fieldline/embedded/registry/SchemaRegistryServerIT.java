package io.fieldline.embedded.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Drives a dedicated registry (own port, own schema topic on the shared Kafka broker) over HTTP with raw JSON,
 * the way Confluent clients do.
 */
@ExtendWith(EmbeddedStackExtension.class)
class SchemaRegistryServerIT {

    private static final String V1 = """
            {"type":"record","name":"Reading","namespace":"it","fields":[{"name":"device","type":"string"}]}""";
    private static final String V1_SPACED = """
            {
              "type" : "record", "namespace" : "it", "name" : "Reading",
              "fields" : [ { "type" : "string", "name" : "device" } ]
            }""";
    private static final String V2_COMPATIBLE = """
            {"type":"record","name":"Reading","namespace":"it","fields":[{"name":"device","type":"string"},
             {"name":"value","type":"double","default":0.0}]}""";
    private static final String V2_INCOMPATIBLE = """
            {"type":"record","name":"Reading","namespace":"it","fields":[{"name":"device","type":"string"},
             {"name":"unit","type":"string"}]}""";
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final String bootstrapServers;
    private final String topic = "_schemas-it-" + UUID.randomUUID();
    private final String subject = "readings-" + UUID.randomUUID() + "-value";
    private SchemaRegistryServer registry;

    SchemaRegistryServerIT(EmbeddedStack stack) {
        this.bootstrapServers = stack.kafka().bootstrapServers();
    }

    @BeforeEach
    void startRegistry() {
        registry = new SchemaRegistryServer(KafkaClientConfig.forBootstrapServers(bootstrapServers), topic);
        registry.start();
    }

    @AfterEach
    void closeRegistry() {
        registry.close();
    }

    @Test
    void shouldGiveTheSameIdToTheSameSchemaWhateverItsWhitespaceOrSubject() throws Exception {
        int id = register(subject, V1).path("id").asInt();
        assertThat(id).isPositive();
        assertThat(register(subject, V1_SPACED).path("id").asInt()).isEqualTo(id);
        assertThat(get("/subjects/" + subject + "/versions").body()).isEqualTo("[1]");

        String other = "other-" + UUID.randomUUID() + "-value";
        assertThat(register(other, V1).path("id").asInt()).isEqualTo(id);
        assertThat(tree(get("/schemas/ids/" + id + "/versions")))
                .extracting(node -> node.path("subject").asText())
                .containsExactlyInAnyOrder(subject, other);
        assertThat(tree(get("/schemas/ids/" + id + "/subjects"))).hasSize(2);
        assertThat(tree(get("/subjects"))).extracting(JsonNode::asText).contains(subject, other);
    }

    @Test
    void shouldServeSchemasByIdAndVersion() throws Exception {
        int id = register(subject, V1).path("id").asInt();
        HttpResponse<String> byId = get("/schemas/ids/" + id);
        assertThat(byId.statusCode()).isEqualTo(200);
        assertThat(byId.headers().firstValue("Content-Type")).hasValue(CONTENT_TYPE);
        assertThat(parse(tree(byId).path("schema").asText())).isEqualTo(parse(V1));

        int id2 = register(subject, V2_COMPATIBLE).path("id").asInt();
        assertThat(id2).isNotEqualTo(id);
        JsonNode latest = tree(get("/subjects/" + subject + "/versions/latest"));
        assertThat(latest.path("subject").asText()).isEqualTo(subject);
        assertThat(latest.path("version").asInt()).isEqualTo(2);
        assertThat(latest.path("id").asInt()).isEqualTo(id2);
        assertThat(tree(get("/subjects/" + subject + "/versions/1")).path("id").asInt())
                .isEqualTo(id);
        assertThat(parse(get("/subjects/" + subject + "/versions/1/schema").body()))
                .isEqualTo(parse(V1));
        assertThat(get("/subjects/" + subject + "/versions").body()).isEqualTo("[1,2]");
    }

    @Test
    void shouldLookUpASchemaUnderASubject() throws Exception {
        int id = register(subject, V1).path("id").asInt();
        HttpResponse<String> found = post("/subjects/" + subject, schemaBody(V1_SPACED), "application/json");
        assertThat(found.statusCode()).isEqualTo(200);
        JsonNode body = tree(found);
        assertThat(body.path("subject").asText()).isEqualTo(subject);
        assertThat(body.path("version").asInt()).isEqualTo(1);
        assertThat(body.path("id").asInt()).isEqualTo(id);
        assertThat(parse(body.path("schema").asText())).isEqualTo(parse(V1));

        assertError(post("/subjects/" + subject, schemaBody(V2_COMPATIBLE), CONTENT_TYPE), 404, 40403);
        assertError(post("/subjects/no-such-subject", schemaBody(V1), CONTENT_TYPE), 404, 40401);
    }

    @Test
    void shouldRejectAnIncompatibleChangeAndAcceptACompatibleOne() throws Exception {
        register(subject, V1);

        JsonNode incompatible = tree(post(
                "/compatibility/subjects/" + subject + "/versions/latest?verbose=true",
                schemaBody(V2_INCOMPATIBLE),
                CONTENT_TYPE));
        assertThat(incompatible.path("is_compatible").asBoolean(true)).isFalse();
        assertThat(incompatible.path("messages")).isNotEmpty();
        HttpResponse<String> rejected =
                post("/subjects/" + subject + "/versions", schemaBody(V2_INCOMPATIBLE), CONTENT_TYPE);
        assertError(rejected, 409, 409);

        JsonNode compatible = tree(post(
                "/compatibility/subjects/" + subject + "/versions/1",
                schemaBody(V2_COMPATIBLE),
                "application/vnd.schemaregistry+json"));
        assertThat(compatible.path("is_compatible").asBoolean(false)).isTrue();
        assertThat(post("/subjects/" + subject + "/versions", schemaBody(V2_COMPATIBLE), CONTENT_TYPE)
                        .statusCode())
                .isEqualTo(200);
        assertThat(get("/subjects/" + subject + "/versions").body()).isEqualTo("[1,2]");
    }

    @Test
    void shouldApplySubjectLevelCompatibilitySettings() throws Exception {
        assertThat(tree(get("/config")).path("compatibilityLevel").asText()).isEqualTo("BACKWARD");
        register(subject, V1);
        assertError(get("/config/" + subject), 404, 40408);
        assertThat(tree(get("/config/" + subject + "?defaultToGlobal=true"))
                        .path("compatibilityLevel")
                        .asText())
                .isEqualTo("BACKWARD");

        HttpResponse<String> put = put("/config/" + subject, "{\"compatibility\":\"NONE\"}");
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(tree(put).path("compatibility").asText()).isEqualTo("NONE");
        assertThat(tree(get("/config/" + subject)).path("compatibilityLevel").asText())
                .isEqualTo("NONE");
        assertThat(post("/subjects/" + subject + "/versions", schemaBody(V2_INCOMPATIBLE), CONTENT_TYPE)
                        .statusCode())
                .isEqualTo(200);

        assertError(put("/config/" + subject, "{\"compatibility\":\"SIDEWAYS\"}"), 422, 42203);
        assertThat(tree(get("/config")).path("compatibilityLevel").asText()).isEqualTo("BACKWARD");
    }

    @Test
    void shouldSoftDeleteASubjectAndKeepItsIdsResolvable() throws Exception {
        int id = register(subject, V1).path("id").asInt();
        register(subject, V2_COMPATIBLE);

        HttpResponse<String> deleted = delete("/subjects/" + subject);
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(deleted.body()).isEqualTo("[1,2]");
        assertThat(tree(get("/subjects"))).extracting(JsonNode::asText).doesNotContain(subject);
        assertThat(tree(get("/subjects?deleted=true")))
                .extracting(JsonNode::asText)
                .contains(subject);
        assertError(get("/subjects/" + subject + "/versions"), 404, 40401);
        assertThat(get("/schemas/ids/" + id).statusCode()).isEqualTo(200);
        assertError(delete("/subjects/" + subject), 404, 40401);

        // Registering again continues the version numbers and reuses the global id.
        assertThat(register(subject, V1).path("id").asInt()).isEqualTo(id);
        assertThat(get("/subjects/" + subject + "/versions").body()).isEqualTo("[3]");
    }

    @Test
    void shouldDeleteVersionsPermanentlyOnlyAfterASoftDeleteAndNeverReuseTheirIds() throws Exception {
        int id1 = register(subject, V1).path("id").asInt();
        register(subject, V2_COMPATIBLE);
        assertError(delete("/subjects/" + subject + "?permanent=true"), 404, 40405);

        assertThat(delete("/subjects/" + subject + "/versions/latest").body()).isEqualTo("2");
        assertThat(get("/subjects/" + subject + "/versions").body()).isEqualTo("[1]");
        assertThat(get("/subjects/" + subject + "/versions?deleted=true").body())
                .isEqualTo("[1,2]");
        assertError(delete("/subjects/" + subject + "/versions/1?permanent=true"), 404, 40407);

        assertThat(delete("/subjects/" + subject).body()).isEqualTo("[1]");
        assertThat(delete("/subjects/" + subject + "?permanent=true").body()).isEqualTo("[1,2]");
        assertThat(tree(get("/subjects?deleted=true")))
                .extracting(JsonNode::asText)
                .doesNotContain(subject);
        // The id stays resolvable and is never handed to another schema, even after a restart.
        registry.stop();
        registry.start();
        assertThat(parse(tree(get("/schemas/ids/" + id1)).path("schema").asText()))
                .isEqualTo(parse(V1));
        String other = "other-" + UUID.randomUUID();
        assertThat(register(other, V2_INCOMPATIBLE).path("id").asInt()).isGreaterThan(id1 + 1);
    }

    @Test
    void shouldCheckCompatibilityAgainstTheVersionsTheLevelNames() throws Exception {
        String fresh = "fresh-" + UUID.randomUUID();
        assertThat(tree(post("/compatibility/subjects/" + fresh + "/versions", schemaBody(V1), CONTENT_TYPE))
                        .path("is_compatible")
                        .asBoolean(false))
                .isTrue();
        assertError(
                post("/compatibility/subjects/" + fresh + "/versions/latest", schemaBody(V1), CONTENT_TYPE),
                404,
                40401);

        register(subject, V1);
        put("/config/" + subject, "{\"compatibility\":\"FORWARD\"}");
        // A required new field: old readers ignore it, so FORWARD accepts what BACKWARD refuses.
        assertThat(tree(post(
                                "/compatibility/subjects/" + subject + "/versions",
                                schemaBody(V2_INCOMPATIBLE),
                                CONTENT_TYPE))
                        .path("is_compatible")
                        .asBoolean(false))
                .isTrue();
        assertThat(tree(delete("/config/" + subject)).path("compatibilityLevel").asText())
                .isEqualTo("FORWARD");
        assertError(get("/config/" + subject), 404, 40408);
        assertThat(tree(post(
                                "/compatibility/subjects/" + subject + "/versions",
                                schemaBody(V2_INCOMPATIBLE),
                                CONTENT_TYPE))
                        .path("is_compatible")
                        .asBoolean(true))
                .isFalse();
    }

    @Test
    void shouldAnswerWithConfluentErrorCodes() throws Exception {
        register(subject, V1);
        assertError(get("/subjects/no-such-subject/versions"), 404, 40401);
        assertError(get("/subjects/" + subject + "/versions/99"), 404, 40402);
        assertError(get("/subjects/" + subject + "/versions/zero"), 422, 42202);
        assertError(get("/schemas/ids/987654"), 404, 40403);
        assertError(
                post(
                        "/subjects/" + subject + "/versions",
                        schemaBody("{\"type\":\"record\",\"name\":\"R\"}"),
                        CONTENT_TYPE),
                422,
                42201);
        assertError(
                post(
                        "/subjects/" + subject + "/versions",
                        "{\"schema\":\"{}\",\"schemaType\":\"PROTOBUF\"}",
                        CONTENT_TYPE),
                422,
                42201);
        assertError(post("/subjects/" + subject + "/versions", schemaBody(V1), "text/plain"), 415, 415);
        assertError(get("/no/such/path"), 404, 404);
    }

    @Test
    void shouldKeepIdsSubjectsVersionsAndSettingsAcrossARestart() throws Exception {
        int id1 = register(subject, V1).path("id").asInt();
        int id2 = register(subject, V2_COMPATIBLE).path("id").asInt();
        put("/config/" + subject, "{\"compatibility\":\"FULL\"}");
        String deletedSubject = "deleted-" + UUID.randomUUID();
        register(deletedSubject, V1);
        delete("/subjects/" + deletedSubject);

        registry.stop();
        registry = new SchemaRegistryServer(KafkaClientConfig.forBootstrapServers(bootstrapServers), topic);
        registry.start();

        assertThat(tree(get("/subjects"))).extracting(JsonNode::asText).containsExactly(subject);
        assertThat(get("/subjects/" + subject + "/versions").body()).isEqualTo("[1,2]");
        assertThat(tree(get("/subjects/" + subject + "/versions/latest"))
                        .path("id")
                        .asInt())
                .isEqualTo(id2);
        assertThat(parse(tree(get("/schemas/ids/" + id1)).path("schema").asText()))
                .isEqualTo(parse(V1));
        assertThat(tree(get("/config/" + subject)).path("compatibilityLevel").asText())
                .isEqualTo("FULL");
        assertThat(register(subject, V1_SPACED).path("id").asInt()).isEqualTo(id1);
        // New schemas get ids above every id handed out before the restart.
        String v3 = V2_COMPATIBLE.replace(
                "\"default\":0.0}", "\"default\":0.0},{\"name\":\"q\",\"type\":\"int\",\"default\":0}");
        assertThat(register(subject, v3).path("id").asInt()).isGreaterThan(id2);
    }

    // ---- HTTP helpers ----

    private JsonNode register(String subjectName, String schema) throws Exception {
        HttpResponse<String> response =
                post("/subjects/" + subjectName + "/versions", schemaBody(schema), CONTENT_TYPE);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return tree(response);
    }

    private String schemaBody(String schema) throws IOException {
        return json.writeValueAsString(json.createObjectNode().put("schema", schema));
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(request(path).GET().build());
    }

    private HttpResponse<String> delete(String path) throws Exception {
        return send(request(path).DELETE().build());
    }

    private HttpResponse<String> post(String path, String body, String contentType) throws Exception {
        return send(request(path)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    private HttpResponse<String> put(String path, String body) throws Exception {
        return send(request(path)
                .header("Content-Type", CONTENT_TYPE)
                .PUT(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(registry.url() + path)).header("Accept", CONTENT_TYPE);
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode tree(HttpResponse<String> response) throws IOException {
        return json.readTree(response.body());
    }

    private void assertError(HttpResponse<String> response, int status, int errorCode) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = tree(response);
        assertThat(body.path("error_code").asInt()).as(response.body()).isEqualTo(errorCode);
        assertThat(body.path("message").asText()).isNotBlank();
        assertThat(response.headers().firstValue("Content-Type")).hasValue(CONTENT_TYPE);
    }

    private static org.apache.avro.Schema parse(String schema) {
        return new org.apache.avro.Schema.Parser().parse(schema);
    }
}
