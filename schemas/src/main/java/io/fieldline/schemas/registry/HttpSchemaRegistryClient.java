package io.fieldline.schemas.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fieldline.core.retry.RetryPolicy;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SchemaRegistryClient} over HTTP, speaking the Confluent Schema Registry REST API
 * ({@code application/vnd.schemaregistry.v1+json}); works against Confluent's registry and
 * Fieldline's embedded one alike.
 *
 * <p>Transient failures (connection errors, timeouts, HTTP 5xx and 429) are retried with Fieldline's one
 * {@link RetryPolicy}, as configured in {@link SchemaRegistryClientConfig#retryPolicy()}; client errors (4xx)
 * fail at once.
 * With several URLs, a connection failure moves on to the next URL before backing off.
 * An interrupt stops the retries, keeps the thread's interrupt flag and throws.
 *
 * <p>Caches id to schema and (subject, schema) to id, both immutable facts in a registry, so the
 * serdes reach the network only once per schema. Thread-safe.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {

    /** The content type of Confluent's REST API, sent with every request body. */
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private static final String ACCEPT =
            CONTENT_TYPE + ", application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";
    private static final Logger LOG = LoggerFactory.getLogger(HttpSchemaRegistryClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<URI> urls;
    private final AtomicInteger currentUrl = new AtomicInteger();
    private final Duration requestTimeout;
    private final RetryPolicy retry;
    private final HttpClient http;
    /** The basic-authentication header value, or null; never logged. */
    private final String authorization;

    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();

    /** A client of one registry URL (or a comma-separated list) with default timeouts and retries. */
    public HttpSchemaRegistryClient(String url) {
        this(new SchemaRegistryClientConfig(Map.of(SchemaRegistryClientConfig.URL, url)));
    }

    /** A client built from a configuration map holding the keys of {@link SchemaRegistryClientConfig}. */
    public HttpSchemaRegistryClient(Map<String, ?> configs) {
        this(new SchemaRegistryClientConfig(configs));
    }

    /** A client built from validated settings. */
    public HttpSchemaRegistryClient(SchemaRegistryClientConfig config) {
        this.urls = config.urls();
        this.requestTimeout = config.requestTimeout();
        this.retry = config.retryPolicy();
        this.authorization = config.authorization().orElse(null);
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(requestTimeout)
                // Never to another host or from https to http: the credentials go with every request.
                .followRedirects(HttpClient.Redirect.NEVER);
        config.sslContext().ifPresent(builder::sslContext);
        this.http = builder.build();
    }

    /** The base URLs this client talks to. */
    public List<URI> urls() {
        return urls;
    }

    @Override
    public int register(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
        int id = requiredInt(answer, "id", "register " + subject);
        idsBySubjectSchema.put(key, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    @Override
    public Schema getById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("GET", "/schemas/ids/" + id, null);
        Schema schema = parse(answer, "schema id " + id);
        Schema previous = schemasById.putIfAbsent(id, schema);
        return previous != null ? previous : schema;
    }

    @Override
    public int lookup(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", "/subjects/" + encode(subject), schemaBody(schema));
        int id = requiredInt(answer, "id", "lookup in " + subject);
        idsBySubjectSchema.put(key, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    @Override
    public SchemaVersion latest(String subject) {
        return toVersion(send("GET", "/subjects/" + encode(subject) + "/versions/latest", null), subject);
    }

    @Override
    public SchemaVersion version(String subject, int version) {
        return toVersion(send("GET", "/subjects/" + encode(subject) + "/versions/" + version, null), subject);
    }

    @Override
    public List<String> subjects() {
        JsonNode answer = send("GET", "/subjects", null);
        List<String> subjects = new ArrayList<>(answer.size());
        answer.forEach(node -> subjects.add(node.asText()));
        return List.copyOf(subjects);
    }

    @Override
    public List<Integer> versions(String subject) {
        return intList(send("GET", "/subjects/" + encode(subject) + "/versions", null));
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        try {
            JsonNode answer =
                    send("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest", schemaBody(schema));
            return answer.path("is_compatible").asBoolean(false);
        } catch (SchemaRegistryException e) {
            // A subject with no version yet accepts anything; some registries answer 404 here.
            if (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND
                    || e.errorCode() == SchemaRegistryException.VERSION_NOT_FOUND) {
                return true;
            }
            throw e;
        }
    }

    @Override
    public String compatibility(String subjectOrNull) {
        if (subjectOrNull != null) {
            try {
                return level(send("GET", "/config/" + encode(subjectOrNull), null));
            } catch (SchemaRegistryException e) {
                if (e.errorCode() != SchemaRegistryException.SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED
                        && e.errorCode() != SchemaRegistryException.SUBJECT_NOT_FOUND) {
                    throw e;
                }
                // No level of its own: the global one applies.
            }
        }
        return level(send("GET", "/config", null));
    }

    @Override
    public void setCompatibility(String subjectOrNull, String level) {
        Objects.requireNonNull(level, "level");
        ObjectNode body = JSON.createObjectNode().put("compatibility", level);
        send("PUT", subjectOrNull == null ? "/config" : "/config/" + encode(subjectOrNull), body);
    }

    @Override
    public List<Integer> deleteSubject(String subject) {
        List<Integer> deleted = intList(send("DELETE", "/subjects/" + encode(subject), null));
        idsBySubjectSchema.keySet().removeIf(k -> k.subject().equals(subject));
        return deleted;
    }

    private SchemaVersion toVersion(JsonNode answer, String subject) {
        String what = "subject " + subject;
        return new SchemaVersion(
                answer.path("subject").asText(subject),
                requiredInt(answer, "version", what),
                requiredInt(answer, "id", what),
                parse(answer, what));
    }

    private static String level(JsonNode answer) {
        JsonNode level =
                answer.has("compatibilityLevel") ? answer.get("compatibilityLevel") : answer.get("compatibility");
        if (level == null || !level.isTextual()) {
            throw new SchemaRegistryException(
                    "registry config answer has no compatibility level: " + answer,
                    200,
                    SchemaRegistryException.NO_STATUS);
        }
        return level.asText();
    }

    private static List<Integer> intList(JsonNode answer) {
        List<Integer> values = new ArrayList<>(answer.size());
        answer.forEach(node -> values.add(node.asInt()));
        return List.copyOf(values);
    }

    private static int requiredInt(JsonNode answer, String field, String what) {
        JsonNode node = answer.get(field);
        if (node == null || !node.canConvertToInt()) {
            throw new SchemaRegistryException(
                    "registry answer for " + what + " has no integer '" + field + "': " + answer,
                    200,
                    SchemaRegistryException.NO_STATUS);
        }
        return node.intValue();
    }

    private static Schema parse(JsonNode answer, String what) {
        String type = answer.path("schemaType").asText("AVRO");
        if (!"AVRO".equals(type)) {
            throw new SchemaRegistryException(
                    what + " is a " + type + " schema; only AVRO is supported",
                    200,
                    SchemaRegistryException.INVALID_SCHEMA);
        }
        JsonNode text = answer.get("schema");
        if (text == null || !text.isTextual()) {
            throw new SchemaRegistryException(
                    "registry answer for " + what + " has no 'schema': " + answer,
                    200,
                    SchemaRegistryException.INVALID_SCHEMA);
        }
        try {
            // Lenient on defaults: a schema some other producer registered must still be readable here.
            return new Schema.Parser().setValidateDefaults(false).parse(text.asText());
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException(
                    "registry returned an unparsable schema for " + what + ": " + e.getMessage(),
                    200,
                    SchemaRegistryException.INVALID_SCHEMA,
                    e);
        }
    }

    private static ObjectNode schemaBody(Schema schema) {
        // schemaType is omitted: AVRO is the default, and older registries reject the field.
        return JSON.createObjectNode().put("schema", schema.toString());
    }

    private static String encode(String pathSegment) {
        Objects.requireNonNull(pathSegment, "subject");
        return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode send(String method, String path, ObjectNode body) {
        byte[] payload;
        try {
            payload = body == null ? null : JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a request body", e);
        }
        RetryPolicy.Backoff backoff = retry.start();
        int unreachableThisRound = 0;
        while (true) {
            int urlIndex = currentUrl.get();
            URI base = urls.get(urlIndex);
            SchemaRegistryException failure;
            try {
                HttpResponse<byte[]> response =
                        http.send(request(base, method, path, payload), HttpResponse.BodyHandlers.ofByteArray());
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    return readJson(response.body(), method, path, status);
                }
                failure = error(method, base, path, status, response.body());
                if (!failure.isTransient()) {
                    throw failure;
                }
            } catch (ConnectException | HttpConnectTimeoutException e) {
                failure = new SchemaRegistryException(
                        "cannot connect to schema registry at " + base + " for " + method + " " + path + ": " + e,
                        SchemaRegistryException.NO_STATUS,
                        SchemaRegistryException.NO_STATUS,
                        e);
                if (urls.size() > 1) {
                    currentUrl.compareAndSet(urlIndex, (urlIndex + 1) % urls.size());
                    if (++unreachableThisRound < urls.size()) {
                        continue; // another URL may be up: try it before backing off
                    }
                }
            } catch (IOException e) {
                failure = new SchemaRegistryException(
                        "schema registry request " + method + " " + base + path + " failed: " + e,
                        SchemaRegistryException.NO_STATUS,
                        SchemaRegistryException.NO_STATUS,
                        e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException(
                        "interrupted during schema registry request " + method + " " + path,
                        SchemaRegistryException.NO_STATUS,
                        SchemaRegistryException.NO_STATUS,
                        e);
            }
            unreachableThisRound = 0;
            int attempt = backoff.attempts() + 1;
            if (attempt < retry.maxAttempts()) {
                LOG.warn(
                        "Schema registry request {} {} failed transiently (attempt {} of {}), retrying in up to {} ms: {}",
                        method,
                        path,
                        attempt,
                        retry.maxAttempts(),
                        retry.backoff(attempt).toMillis(),
                        failure.getMessage());
            }
            try {
                if (!backoff.retry(failure)) {
                    throw new SchemaRegistryException(
                            failure.getMessage() + " (gave up after " + backoff.attempts() + " attempts)",
                            failure.httpStatus(),
                            failure.errorCode(),
                            failure);
                }
            } catch (InterruptedException e) {
                // the policy has set the interrupt flag again
                throw new SchemaRegistryException(
                        "interrupted while retrying schema registry request " + method + " " + path,
                        failure.httpStatus(),
                        failure.errorCode(),
                        failure);
            }
        }
    }

    private HttpRequest request(URI base, String method, String path, byte[] payload) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(requestTimeout)
                .header("Accept", ACCEPT);
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        if (payload != null) {
            builder.header("Content-Type", CONTENT_TYPE);
            builder.method(method, HttpRequest.BodyPublishers.ofByteArray(payload));
        } else {
            builder.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return builder.build();
    }

    private static JsonNode readJson(byte[] body, String method, String path, int status) {
        if (body.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new SchemaRegistryException(
                    "schema registry answered " + method + " " + path + " with a body that is not JSON: "
                            + snippet(body),
                    status,
                    SchemaRegistryException.NO_STATUS,
                    e);
        }
    }

    private static SchemaRegistryException error(String method, URI base, String path, int status, byte[] body) {
        int code = status;
        String message = snippet(body);
        try {
            JsonNode json = body.length == 0 ? null : JSON.readTree(body);
            if (json != null && json.has("error_code")) {
                code = json.get("error_code").asInt(status);
                message = json.path("message").asText(message);
            }
        } catch (IOException notJson) {
            // Proxies answer HTML; the status and the text snippet are all there is.
        }
        String hint = status == 401 || status == 403
                ? " (check " + SchemaRegistryClientConfig.BASIC_AUTH_USER_INFO + ")"
                : "";
        return new SchemaRegistryException(
                "schema registry " + base + " answered " + method + " " + path + " with HTTP " + status + ", error "
                        + code + ": " + message + hint,
                status,
                code);
    }

    private static String snippet(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    private record SubjectSchema(String subject, Schema schema) {}
}
