package io.fieldline.app.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * openapi.json, as served at /openapi.json, describes exactly the routes the server routes ({@link ApiRoute}), both
 * ways: every operation a route, every route an operation, with the same path and query parameters and the same
 * security (a bearer token or none).
 */
class OpenApiRoutesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> METHODS = List.of("get", "put", "post", "delete", "patch", "head", "options");

    private final JsonNode doc = read();

    private static JsonNode read() {
        try {
            return JSON.readTree(OpenApiDocument.bytes());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void shouldBeAnOpenApi3Document() {
        assertThat(doc.get("openapi").asText()).startsWith("3.");
        assertThat(doc.at("/info/title").asText()).isNotBlank();
        assertThat(doc.at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
    }

    @Test
    void shouldDescribeEveryRouteAndNoOther() {
        Map<String, JsonNode> documented = operations();
        List<String> routed = new ArrayList<>();
        for (ApiRoute route : ApiRoute.values()) {
            routed.add(route.method() + " " + route.template());
        }
        assertThat(new TreeSet<>(documented.keySet())).containsExactlyElementsOf(new TreeSet<>(routed));
    }

    @Test
    void shouldDocumentEachRoutesParametersAndSecurity() {
        Map<String, JsonNode> documented = operations();
        for (ApiRoute route : ApiRoute.values()) {
            JsonNode operation = documented.get(route.method() + " " + route.template());
            List<String> query = new ArrayList<>();
            List<String> path = new ArrayList<>();
            for (JsonNode parameter : operation.path("parameters")) {
                JsonNode resolved = resolve(parameter);
                switch (resolved.get("in").asText()) {
                    case "query" -> query.add(resolved.get("name").asText());
                    case "path" -> path.add(resolved.get("name").asText());
                    default -> {}
                }
            }
            assertThat(query)
                    .as("query parameters of " + route)
                    .containsExactlyInAnyOrderElementsOf(route.parameters());
            assertThat(path).as("path parameters of " + route).containsExactlyElementsOf(route.pathParameters());
            JsonNode security = operation.has("security") ? operation.get("security") : doc.get("security");
            assertThat(security.isEmpty())
                    .as("an operation needs a token exactly when the route does: " + route)
                    .isEqualTo(route.scope() == null);
            String description = operation.path("description").asText();
            if (route.scope() != null) {
                assertThat(description)
                        .as(route.toString())
                        .contains("scope " + route.scope().text());
                assertThat(operation.get("responses").has("401"))
                        .as(route.toString())
                        .isTrue();
                assertThat(operation.get("responses").has("403"))
                        .as(route.toString())
                        .isTrue();
            }
        }
    }

    @Test
    void shouldResolveEveryReference() {
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        assertThat(refs).isNotEmpty();
        for (String ref : refs) {
            assertThat(doc.at(ref.substring(1)).isMissingNode()).as(ref).isFalse();
        }
    }

    @Test
    void shouldSayOnceThatEveryGetAlsoAnswersHead() {
        // ApiServer answers HEAD on every GET route, like GET without the body (ApiIT); the document says so once
        // rather than with a head operation beside each get, and describes no HEAD the server would refuse.
        assertThat(operations().keySet()).noneMatch(operation -> operation.startsWith("HEAD "));
        assertThat(doc.at("/info/description").asText()).contains("Every GET operation also answers HEAD");
    }

    private Map<String, JsonNode> operations() {
        Map<String, JsonNode> operations = new TreeMap<>();
        for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
            for (String method : METHODS) {
                if (path.getValue().has(method)) {
                    operations.put(
                            method.toUpperCase(java.util.Locale.ROOT) + " " + path.getKey(),
                            path.getValue().get(method));
                }
            }
        }
        return operations;
    }

    private JsonNode resolve(JsonNode node) {
        return node.has("$ref") ? doc.at(node.get("$ref").asText().substring(1)) : node;
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject()) {
            node.properties().forEach(entry -> {
                if (entry.getKey().equals("$ref")) {
                    refs.add(entry.getValue().asText());
                } else {
                    collectRefs(entry.getValue(), refs);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> collectRefs(child, refs));
        }
    }
}
