package io.fieldline.embedded.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.embedded.EmbeddedServer;
import io.fieldline.embedded.LoopbackPort;
import io.fieldline.embedded.SchemaRegistryEndpoint;
import io.fieldline.embedded.tls.LocalTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Schema Registry that speaks the subset of the Confluent REST API that serializers, deserializers and
 * registry clients use, for Avro schemas, served by the JDK's HTTP server on a loopback port.
 *
 * <p>Schemas, versions and compatibility settings live in a single-partition compacted Kafka topic (default
 * {@code _schemas}), created on first start; a restarted server (or a new instance on the same topic) reads
 * the topic back and serves the same ids, subjects and versions. Every change is acknowledged by Kafka
 * ({@code acks=all}) before the HTTP answer. The server is the <b>only writer</b> of its topic: run one
 * instance per topic at a time.
 *
 * <p>Endpoints, request and response content types ({@code application/vnd.schemaregistry.v1+json},
 * {@code application/vnd.schemaregistry+json}, {@code application/json}) and error codes are listed in
 * {@code docs/embedded.md}.
 *
 * <p>{@link Security} adds HTTP basic authentication (a request without valid credentials gets 401) and TLS
 * (https with the server certificate of a {@link LocalTls}); every request body is capped
 * ({@link Security#maxRequestBytes()}, 413 with the limit in the message).
 */
public final class SchemaRegistryServer implements EmbeddedServer, SchemaRegistryEndpoint {

    /** The content type of every response. */
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private static final List<String> ACCEPTED_CONTENT_TYPES = List.of(
            "application/vnd.schemaregistry.v1+json",
            "application/vnd.schemaregistry+json",
            "application/json",
            "application/octet-stream");
    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryServer.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /**
     * How the registry protects itself.
     *
     * @param basicAuthUsers  user to password for HTTP basic authentication; empty for none
     * @param tls             TLS material whose server certificate the registry serves https with; null for http
     * @param maxRequestBytes the largest request body accepted; a larger one is refused with 413
     */
    public record Security(Map<String, String> basicAuthUsers, LocalTls tls, int maxRequestBytes) {

        /** The default cap of a request body: far above any Avro schema Fieldline registers (a few KiB). */
        public static final int DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;

        public Security {
            basicAuthUsers = Map.copyOf(basicAuthUsers);
            if (maxRequestBytes < 1) {
                throw new IllegalArgumentException("maxRequestBytes must be positive, got " + maxRequestBytes);
            }
        }

        /** No authentication, plain http, the default body cap. */
        public static Security none() {
            return new Security(Map.of(), null, DEFAULT_MAX_REQUEST_BYTES);
        }

        public Security withBasicAuth(Map<String, String> users) {
            return new Security(users, tls, maxRequestBytes);
        }

        public Security withTls(LocalTls material) {
            return new Security(basicAuthUsers, material, maxRequestBytes);
        }

        public Security withMaxRequestBytes(int max) {
            return new Security(basicAuthUsers, tls, max);
        }

        @Override
        public String toString() {
            return "Security[users=" + basicAuthUsers.keySet() + ", tls=" + (tls != null) + ", maxRequestBytes="
                    + maxRequestBytes + "]";
        }
    }

    private final ObjectMapper json = new ObjectMapper();
    private final KafkaClientConfig kafka;
    private final String topic;
    private final int port;
    private final Security security;
    private HttpServer http;
    private ExecutorService executor;
    private KafkaSchemaStore store;
    private boolean closed;

    /**
     * A registry on a free loopback port.
     *
     * @param kafka the Kafka cluster that holds the schema topic, and how to reach it
     * @param topic the compacted schema topic, created if missing
     */
    public SchemaRegistryServer(KafkaClientConfig kafka, String topic) {
        this(kafka, topic, LoopbackPort.pick());
    }

    /**
     * A registry on a given loopback port.
     *
     * @param kafka the Kafka cluster that holds the schema topic, and how to reach it
     * @param topic the compacted schema topic, created if missing
     * @param port  the port to listen on
     */
    public SchemaRegistryServer(KafkaClientConfig kafka, String topic, int port) {
        this(kafka, topic, port, Security.none());
    }

    /**
     * A registry on a given loopback port with authentication, TLS and a body cap.
     *
     * @param kafka    the Kafka cluster that holds the schema topic, and how to reach it
     * @param topic    the compacted schema topic, created if missing
     * @param port     the port to listen on
     * @param security basic authentication, TLS and the request body cap
     */
    public SchemaRegistryServer(KafkaClientConfig kafka, String topic, int port, Security security) {
        this.kafka = Objects.requireNonNull(kafka, "kafka");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.port = port;
        this.security = Objects.requireNonNull(security, "security");
    }

    @Override
    public String name() {
        return "schema-registry";
    }

    /** @return {@code http://127.0.0.1:port}, or {@code https://} with TLS */
    @Override
    public String url() {
        return (security.tls() == null ? "http" : "https") + "://" + LoopbackPort.HOST + ":" + port;
    }

    /** @return the port the registry listens on */
    public int port() {
        return port;
    }

    /** @return the compacted topic the schemas are kept in */
    public String topic() {
        return topic;
    }

    @Override
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("Schema Registry was closed");
        }
        if (http != null) {
            return;
        }
        long begin = System.nanoTime();
        KafkaSchemaStore opened = KafkaSchemaStore.open(kafka, topic);
        HttpServer server;
        try {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(LoopbackPort.HOST), port);
            if (security.tls() == null) {
                server = HttpServer.create(address, 64);
            } else {
                HttpsServer https = HttpsServer.create(address, 64);
                https.setHttpsConfigurator(new HttpsConfigurator(serverContext(security.tls())));
                server = https;
            }
        } catch (IOException e) {
            opened.close();
            throw new UncheckedIOException("Schema Registry cannot listen on " + url(), e);
        } catch (GeneralSecurityException e) {
            opened.close();
            throw new IllegalStateException("Schema Registry cannot set up TLS from " + security.tls(), e);
        }
        int instance = INSTANCES.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4, runnable -> {
            Thread thread = new Thread(runnable, "schema-registry-" + instance + "-http-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(pool);
        HttpContext context = server.createContext("/", this::handle);
        if (!security.basicAuthUsers().isEmpty()) {
            context.setAuthenticator(new UsersAuthenticator(security.basicAuthUsers()));
        }
        server.start();
        store = opened;
        executor = pool;
        http = server;
        LOG.info(
                "Schema Registry listening on {} (topic {} on {}) in {} ms",
                url(),
                topic,
                kafka.bootstrapServers(),
                (System.nanoTime() - begin) / 1_000_000);
    }

    @Override
    public synchronized void stop() {
        if (http == null) {
            return;
        }
        http.stop(0);
        executor.shutdownNow();
        store.close();
        http = null;
        executor = null;
        store = null;
        LOG.info("Schema Registry on {} stopped", url());
    }

    @Override
    public synchronized boolean isRunning() {
        return http != null;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop();
    }

    private synchronized KafkaSchemaStore store() {
        if (store == null) {
            throw new RegistryException(503, 50003, "Schema Registry is stopped");
        }
        return store;
    }

    private static SSLContext serverContext(LocalTls tls) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(LocalTls.STORE_TYPE);
        try (InputStream in = Files.newInputStream(tls.serverKeystore())) {
            store.load(in, tls.password().toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, tls.password().toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    /** Basic authentication against a fixed set of users; compares in constant time. */
    private static final class UsersAuthenticator extends BasicAuthenticator {
        private final Map<String, byte[]> passwords = new HashMap<>();

        UsersAuthenticator(Map<String, String> users) {
            super("fieldline-schema-registry", StandardCharsets.UTF_8);
            users.forEach((user, password) -> passwords.put(user, password.getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public boolean checkCredentials(String user, String password) {
            byte[] expected = passwords.get(user);
            byte[] given = password == null ? new byte[0] : password.getBytes(StandardCharsets.UTF_8);
            return expected != null && MessageDigest.isEqual(expected, given);
        }
    }

    // ---- HTTP ----

    // Package-private: the request-handling fuzz test drives it without a socket.
    void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Response response;
            try {
                response = route(exchange);
            } catch (RegistryException e) {
                if (e.status() >= 500) {
                    LOG.warn(
                            "Schema Registry request {} {} failed: {}",
                            exchange.getRequestMethod(),
                            exchange.getRequestURI(),
                            e.getMessage(),
                            e);
                }
                response = error(e.status(), e.errorCode(), e.getMessage());
            } catch (RuntimeException e) {
                LOG.error(
                        "Schema Registry request {} {} failed",
                        exchange.getRequestMethod(),
                        exchange.getRequestURI(),
                        e);
                response = error(500, 50001, "Error in the backend data store: " + e);
            }
            byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            exchange.sendResponseHeaders(response.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private record Response(int status, String body) {}

    private Response route(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        List<String> path = segments(exchange.getRequestURI().getRawPath());
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        boolean deleted = Boolean.parseBoolean(query.getOrDefault("deleted", "false"));
        int size = path.size();
        String first = size > 0 ? path.get(0) : "";

        if (size == 0) {
            return method.equals("GET") ? ok(json.createObjectNode()) : notAllowed(method);
        }
        switch (first) {
            case "subjects" -> {
                if (size == 1) {
                    return method.equals("GET") ? ok(strings(store().subjects(deleted))) : notAllowed(method);
                }
                String subject = path.get(1);
                if (size == 2) {
                    return switch (method) {
                        case "POST" -> ok(versionJson(store().lookup(subject, schemaFrom(exchange), deleted)));
                        case "DELETE" ->
                            ok(ints(store().deleteSubject(
                                            subject, Boolean.parseBoolean(query.getOrDefault("permanent", "false")))));
                        default -> notAllowed(method);
                    };
                }
                if (!path.get(2).equals("versions")) {
                    break;
                }
                if (size == 3) {
                    return switch (method) {
                        case "GET" -> ok(ints(store().versions(subject, deleted)));
                        case "POST" ->
                            ok(json.createObjectNode().put("id", store().register(subject, schemaFrom(exchange))));
                        default -> notAllowed(method);
                    };
                }
                String version = path.get(3);
                if (size == 4) {
                    return switch (method) {
                        case "GET" -> ok(versionJson(store().version(subject, version, deleted)));
                        case "DELETE" ->
                            ok(json.getNodeFactory()
                                    .numberNode(store().deleteVersion(
                                                    subject,
                                                    version,
                                                    Boolean.parseBoolean(query.getOrDefault("permanent", "false")))));
                        default -> notAllowed(method);
                    };
                }
                if (size == 5 && path.get(4).equals("schema")) {
                    return method.equals("GET")
                            ? new Response(
                                    200,
                                    store().version(subject, version, deleted).schema())
                            : notAllowed(method);
                }
            }
            case "schemas" -> {
                if (size == 2 && path.get(1).equals("types")) {
                    return method.equals("GET") ? ok(strings(List.of("AVRO"))) : notAllowed(method);
                }
                if (size >= 3 && path.get(1).equals("ids")) {
                    if (!method.equals("GET")) {
                        return notAllowed(method);
                    }
                    int id = parseId(path.get(2));
                    String schema =
                            store().schemaById(id).orElseThrow(() -> RegistryException.schemaNotFound("id " + id));
                    if (size == 3) {
                        return ok(json.createObjectNode().put("schema", schema));
                    }
                    if (size == 4 && path.get(3).equals("schema")) {
                        return new Response(200, schema);
                    }
                    if (size == 4 && path.get(3).equals("versions")) {
                        ArrayNode array = json.createArrayNode();
                        store().versionsOfId(id, deleted)
                                .forEach(v -> array.addObject()
                                        .put("subject", v.subject())
                                        .put("version", v.version()));
                        return ok(array);
                    }
                    if (size == 4 && path.get(3).equals("subjects")) {
                        return ok(strings(store().versionsOfId(id, deleted).stream()
                                .map(KafkaSchemaStore.Version::subject)
                                .distinct()
                                .toList()));
                    }
                }
            }
            case "config" -> {
                if (size == 1) {
                    return switch (method) {
                        case "GET" ->
                            ok(json.createObjectNode()
                                    .put(
                                            "compatibilityLevel",
                                            store().globalLevel().name()));
                        case "PUT" -> {
                            CompatibilityLevel level = levelFrom(exchange);
                            store().setGlobalLevel(level);
                            yield ok(json.createObjectNode().put("compatibility", level.name()));
                        }
                        default -> notAllowed(method);
                    };
                }
                if (size == 2) {
                    String subject = path.get(1);
                    return switch (method) {
                        case "GET" -> {
                            boolean defaultToGlobal =
                                    Boolean.parseBoolean(query.getOrDefault("defaultToGlobal", "false"));
                            CompatibilityLevel level = store().subjectLevel(subject)
                                    .or(() -> defaultToGlobal
                                            ? java.util.Optional.of(store().globalLevel())
                                            : java.util.Optional.empty())
                                    .orElseThrow(() -> RegistryException.subjectLevelConfigNotFound(subject));
                            yield ok(json.createObjectNode().put("compatibilityLevel", level.name()));
                        }
                        case "PUT" -> {
                            CompatibilityLevel level = levelFrom(exchange);
                            store().setSubjectLevel(subject, level);
                            yield ok(json.createObjectNode().put("compatibility", level.name()));
                        }
                        case "DELETE" ->
                            ok(json.createObjectNode()
                                    .put(
                                            "compatibilityLevel",
                                            store().deleteSubjectLevel(subject).name()));
                        default -> notAllowed(method);
                    };
                }
            }
            case "compatibility" -> {
                if (size >= 4 && path.get(1).equals("subjects") && path.get(3).equals("versions") && size <= 5) {
                    if (!method.equals("POST")) {
                        return notAllowed(method);
                    }
                    Schema schema = schemaFrom(exchange);
                    List<String> problems =
                            store().checkCompatibility(path.get(2), size == 5 ? path.get(4) : null, schema);
                    ObjectNode result = json.createObjectNode().put("is_compatible", problems.isEmpty());
                    if (Boolean.parseBoolean(query.getOrDefault("verbose", "false"))) {
                        ArrayNode messages = result.putArray("messages");
                        problems.forEach(messages::add);
                    }
                    return ok(result);
                }
            }
            default -> {
                // falls through to 404 below
            }
        }
        return error(404, 404, "HTTP 404 Not Found");
    }

    private Schema schemaFrom(HttpExchange exchange) throws IOException {
        JsonNode body = body(exchange);
        String schemaType = body.path("schemaType").asText("AVRO");
        if (!schemaType.equalsIgnoreCase("AVRO")) {
            throw RegistryException.invalidSchema("schema type " + schemaType + " is not supported, only AVRO", null);
        }
        JsonNode references = body.path("references");
        if (references.isArray() && !references.isEmpty()) {
            throw RegistryException.invalidSchema("schema references are not supported", null);
        }
        JsonNode schema = body.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw RegistryException.invalidSchema("the request has no \"schema\" string", null);
        }
        return KafkaSchemaStore.parse(schema.asText());
    }

    private CompatibilityLevel levelFrom(HttpExchange exchange) throws IOException {
        JsonNode body = body(exchange);
        JsonNode level = body.has("compatibility") ? body.get("compatibility") : body.get("compatibilityLevel");
        return CompatibilityLevel.parse(level == null || level.isNull() ? null : level.asText());
    }

    private JsonNode body(HttpExchange exchange) throws IOException {
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (contentType != null) {
            String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            if (!ACCEPTED_CONTENT_TYPES.contains(mediaType)) {
                throw new RegistryException(415, 415, "HTTP 415 Unsupported Media Type: " + contentType);
            }
        }
        byte[] bytes = boundedBody(exchange, security.maxRequestBytes());
        try {
            JsonNode node = json.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new RegistryException(400, 400, "The request body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new RegistryException(400, 400, "Unparseable JSON request body: " + e.getOriginalMessage());
        }
    }

    /**
     * The request body, refused with 413 when its declared length or what arrives is beyond {@code max}: the
     * server never holds more than {@code max + 1} bytes of one request.
     */
    static byte[] boundedBody(HttpExchange exchange, int max) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                throw new RegistryException(400, 400, "Invalid Content-Length: " + snippet(declared));
            }
            if (length > max) {
                throw tooLarge(Long.toString(length), max);
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(max + 1);
            if (bytes.length > max) {
                throw tooLarge("more than " + max, max);
            }
            return bytes;
        }
    }

    private static RegistryException tooLarge(String size, int max) {
        return new RegistryException(
                413,
                413,
                "HTTP 413 Payload Too Large: a request body of " + size + " bytes exceeds the registry's limit of "
                        + max + " bytes (request body cap)");
    }

    private static String snippet(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }

    private static int parseId(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw RegistryException.schemaNotFound("id " + text);
        }
    }

    private ObjectNode versionJson(KafkaSchemaStore.Version version) {
        return json.createObjectNode()
                .put("subject", version.subject())
                .put("version", version.version())
                .put("id", version.id())
                .put("schema", version.schema());
    }

    private ArrayNode strings(List<String> values) {
        ArrayNode array = json.createArrayNode();
        values.forEach(array::add);
        return array;
    }

    private ArrayNode ints(List<Integer> values) {
        ArrayNode array = json.createArrayNode();
        values.forEach(array::add);
        return array;
    }

    private static Response ok(JsonNode body) {
        return new Response(200, body.toString());
    }

    private Response error(int status, int errorCode, String message) {
        return new Response(
                status,
                json.createObjectNode()
                        .put("error_code", errorCode)
                        .put("message", message)
                        .toString());
    }

    private Response notAllowed(String method) {
        return error(405, 405, "HTTP 405 Method Not Allowed: " + method);
    }

    private static List<String> segments(String rawPath) {
        List<String> segments = new ArrayList<>();
        for (String segment : rawPath.split("/")) {
            if (!segment.isEmpty()) {
                segments.add(URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return segments;
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> params = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return params;
        }
        for (String pair : rawQuery.split("&")) {
            String[] parts = pair.split("=", 2);
            params.put(
                    URLDecoder.decode(parts[0], StandardCharsets.UTF_8),
                    parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : "");
        }
        return params;
    }

    @Override
    public String toString() {
        return "SchemaRegistryServer[" + url() + ", topic " + topic + "]";
    }
}
