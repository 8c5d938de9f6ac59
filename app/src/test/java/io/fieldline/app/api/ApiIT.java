package io.fieldline.app.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fieldline.app.AppConfig;
import io.fieldline.app.FieldlineCommand;
import io.fieldline.app.TopicProvisioner;
import io.fieldline.app.service.ServiceComponents;
import io.fieldline.app.service.ServiceConfig;
import io.fieldline.app.service.ServiceContext;
import io.fieldline.app.service.ServiceRuntime;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.RedisServer;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Source;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import io.fieldline.sink.Migrations;
import io.fieldline.sink.SinkConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The {@code api} component as {@code fieldline run api} runs it (through {@link ServiceRuntime}), against the shared
 * embedded Kafka, Schema Registry, PostgreSQL and Redis: ingest through Kafka, every read route on seeded rows and
 * Redis keys, tokens and their scopes, idempotency keys, and a second instance whose Redis is a dead port, which
 * answers from PostgreSQL and reports DEGRADED.
 */
@ExtendWith(EmbeddedStackExtension.class)
class ApiIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    /** api.request.timeout.ms of the instances under test: short, so that cutting stalled clients is seen quickly. */
    private static final long REQUEST_TIMEOUT_MS = 2_000;

    private static EmbeddedStack stack;
    private static DataSource database;
    private static Map<String, String> databaseSettings;
    private static TopicNames topics;
    private static String redisPrefix;
    private static ServiceRuntime runtime;
    private static String api;
    private static String readToken;
    private static String ingestToken;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start(EmbeddedStack shared) throws Exception {
        stack = shared;
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String name = "api_it_" + suffix;
        try (Connection c = stack.postgres().dataSource().getConnection();
                Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        String url = stack.postgres().jdbcUrl();
        String jdbcUrl = url.substring(0, url.lastIndexOf('/') + 1) + name;
        databaseSettings = Map.of(
                SinkConfig.POSTGRES_URL, jdbcUrl,
                SinkConfig.POSTGRES_USER, stack.postgres().user(),
                SinkConfig.POSTGRES_PASSWORD, stack.postgres().password());
        database = io.fieldline.embedded.PostgresEndpoint.external(
                        jdbcUrl, stack.postgres().user(), stack.postgres().password())
                .dataSource();
        Migrations.apply(database, new SinkConfig(new HashMap<>(databaseSettings)));
        seedDatabase();
        redisPrefix = "api-it-" + suffix;
        seedRedis();

        topics = new TopicNames("api-" + suffix + ".");
        try (Admin admin = Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()))) {
            new TopicProvisioner(topics, 1, (short) 1).createMissing(admin);
        }
        ApiTokens tokens = new ApiTokens(database, "public");
        readToken = tokens.create(ApiTokens.Scope.READ, "dashboard").token();
        ingestToken = tokens.create(ApiTokens.Scope.INGEST, "gateway").token();

        int port = freePort();
        runtime = startApi(port, null);
        api = "http://127.0.0.1:" + port;
    }

    private static ServiceRuntime startApi(int port, String redisUrl) throws Exception {
        return startApi(port, redisUrl, Map.of());
    }

    private static ServiceRuntime startApi(int port, String redisUrl, Map<String, String> overrides) throws Exception {
        Map<String, String> config = new HashMap<>(databaseSettings);
        config.put(AppConfig.TOPICS_PREFIX, topics.prefix());
        config.put(SinkConfig.REDIS_KEY_PREFIX, redisPrefix);
        config.put(ApiConfig.PORT, Integer.toString(port));
        config.put(ApiConfig.BIND_ADDRESS, "127.0.0.1");
        config.put(ApiConfig.REDIS_RETRY_MS, "500");
        config.put(ApiConfig.MAX_BODY_BYTES, "16384");
        config.put(ServiceConfig.HTTP_PORT, "0");
        config.put(ServiceConfig.HEALTH_CHECK_INTERVAL_MS, "300");
        config.put(ServiceConfig.HEALTH_CHECK_TIMEOUT_MS, "1000");
        config.put(ApiConfig.REQUEST_TIMEOUT_MS, Long.toString(REQUEST_TIMEOUT_MS));
        if (redisUrl != null) {
            config.put(SinkConfig.REDIS_URL, redisUrl);
        }
        config.putAll(overrides);
        io.micrometer.prometheusmetrics.PrometheusMeterRegistry meters = ServiceRuntime.registry();
        ServiceContext context = new ServiceContext(config, stack.endpoints(), meters);
        ServiceRuntime service = new ServiceRuntime(context, meters, code -> {});
        service.start(List.of(ServiceComponents.spec(ServiceComponents.API, context)), "127.0.0.1");
        await().atMost(Duration.ofSeconds(30)).until(service.supervisor()::ready);
        return service;
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    // --- ingest

    @Test
    void shouldAnswer202OnlyOnceKafkaHasEveryReadingAndPublishNothingOnARetry() throws Exception {
        String body = """
                {"readings": [
                  {"deviceId": "ingest-1", "sensor": "air_temperature", "value": 21.5, "unit": "degC",
                   "time": "2026-01-31T12:00:00Z", "room": "r1", "attributes": {"via": "test"}},
                  {"deviceId": "ingest-1", "sensor": "relative_humidity", "value": 61, "time": 1769860800000},
                  {"deviceId": "ingest-2", "sensor": "co2", "value": 800, "quality": "UNCERTAIN"}
                ]}""";
        long before = endOffset();

        HttpResponse<String> first = post(ingestToken, body, "batch-1");

        assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
        assertThat(json(first).get("accepted").asInt()).isEqualTo(3);
        // acks=all before the answer: the records are in the log the moment the 202 arrives, no waiting.
        assertThat(endOffset() - before).isEqualTo(3);
        List<ConsumerRecord<byte[], Reading>> records = readFrom(before, 3);
        assertThat(records)
                .extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
                .containsExactly("ingest-1", "ingest-1", "ingest-2");
        Reading temperature = records.get(0).value();
        assertThat(temperature.getSensor()).isEqualTo("air_temperature");
        assertThat(temperature.getValue()).isEqualTo(21.5);
        assertThat(temperature.getUnit()).isEqualTo("degC");
        assertThat(temperature.getSource()).isEqualTo(Source.HTTP);
        assertThat(temperature.getRoom()).isEqualTo("r1");
        assertThat(temperature.getEventTime()).isEqualTo(Instant.parse("2026-01-31T12:00:00Z"));
        assertThat(records.get(0).timestamp())
                .isEqualTo(temperature.getEventTime().toEpochMilli());
        assertThat(temperature.getAttributes()).containsEntry("via", "test");
        assertThat(records.get(1).value().getEventTime()).isEqualTo(Instant.ofEpochMilli(1769860800000L));
        assertThat(records.get(2).value().getQuality().name()).isEqualTo("UNCERTAIN");

        HttpResponse<String> retry = post(ingestToken, body, "batch-1");

        assertThat(retry.statusCode()).isEqualTo(202);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(endOffset() - before).as("a retry publishes nothing").isEqualTo(3);

        HttpResponse<String> reused = post(ingestToken, body.replace("21.5", "22.5"), "batch-1");
        assertThat(reused.statusCode()).isEqualTo(422);
        assertThat(json(reused).get("type").asText()).isEqualTo("urn:fieldline:problem:idempotency-key-reused");

        HttpResponse<String> one =
                post(ingestToken, "{\"deviceId\": \"ingest-3\", \"sensor\": \"co2\", \"value\": 450}", null);
        assertThat(one.statusCode()).as(one.body()).isEqualTo(202);
        assertThat(endOffset() - before).isEqualTo(4);
    }

    @Test
    void shouldRefuseAnInvalidRequestNamingEachFieldAndPublishNothing() throws Exception {
        long before = endOffset();

        HttpResponse<String> response = post(ingestToken, """
                {"readings": [
                  {"deviceId": "ok-1", "sensor": "t", "value": 1},
                  {"deviceId": "ok-1", "sensor": "t", "value": "hot"},
                  {"sensor": "t", "value": 1, "tme": "2026-01-31T12:00:00Z"}
                ]}""", null);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
        JsonNode problem = json(response);
        assertThat(problem.get("type").asText()).isEqualTo("urn:fieldline:problem:validation");
        assertThat(problem.get("status").asInt()).isEqualTo(400);
        List<String> pointers = new ArrayList<>();
        problem.get("errors").forEach(error -> pointers.add(error.get("pointer").asText()));
        assertThat(pointers).containsExactlyInAnyOrder("/readings/1/value", "/readings/2/tme", "/readings/2/deviceId");
        assertThat(endOffset()).as("nothing of a refused request is published").isEqualTo(before);

        HttpResponse<String> notJson = post(ingestToken, "{\"deviceId\": ", null);
        assertThat(notJson.statusCode()).isEqualTo(400);
        HttpResponse<String> badParameter = get(readToken, "/api/v1/devices?limit=0");
        assertThat(badParameter.statusCode()).isEqualTo(400);
        assertThat(json(badParameter).get("errors").get(0).get("pointer").asText())
                .isEqualTo("?limit");
        HttpResponse<String> unknownParameter = get(readToken, "/api/v1/devices?roomm=r1");
        assertThat(json(unknownParameter).get("errors").get(0).get("pointer").asText())
                .isEqualTo("?roomm");
        HttpResponse<String> put = send(HttpRequest.newBuilder(URI.create(api + "/api/v1/measurements"))
                .header("Authorization", "Bearer " + ingestToken)
                .PUT(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.headers().firstValue("Allow")).contains("POST");
        HttpResponse<String> text = send(HttpRequest.newBuilder(URI.create(api + "/api/v1/measurements"))
                .header("Authorization", "Bearer " + ingestToken)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(text.statusCode()).isEqualTo(415);
        HttpResponse<String> large =
                post(ingestToken, "{\"deviceId\": \"d\", \"sensor\": \"" + "x".repeat(20_000) + "\"}", null);
        assertThat(large.statusCode()).as("past api.max.body.bytes").isEqualTo(413);
        assertThat(json(large).get("type").asText()).isEqualTo("urn:fieldline:problem:body-too-large");
        assertThat(endOffset()).as("nothing of a refused request is published").isEqualTo(before);
        HttpResponse<String> missing = get(readToken, "/api/v1/nothing");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().firstValue("Content-Type")).contains("application/problem+json");
    }

    // --- tokens

    @Test
    void shouldRefuseMissingUnknownAndRevokedTokensWith401AndAWrongScopeWith403() throws Exception {
        HttpResponse<String> none = send(HttpRequest.newBuilder(URI.create(api + "/api/v1/facilities")));
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(json(none).get("type").asText()).isEqualTo("urn:fieldline:problem:unauthorized");
        assertThat(get("flt_not-a-token", "/api/v1/facilities").statusCode()).isEqualTo(401);
        assertThat(get(ingestToken, "/api/v1/facilities").statusCode()).isEqualTo(403);
        HttpResponse<String> readCannotIngest =
                post(readToken, "{\"deviceId\": \"x\", \"sensor\": \"t\", \"value\": 1}", null);
        assertThat(readCannotIngest.statusCode()).isEqualTo(403);
        assertThat(json(readCannotIngest).get("type").asText()).isEqualTo("urn:fieldline:problem:forbidden");
        // The document describing the API needs no token.
        assertThat(send(HttpRequest.newBuilder(URI.create(api + "/openapi.json")))
                        .statusCode())
                .isEqualTo(200);
        // Neither does the AsyncAPI contract of the topics.
        HttpResponse<String> asyncApi = send(HttpRequest.newBuilder(URI.create(api + "/asyncapi.json")));
        assertThat(asyncApi.statusCode()).isEqualTo(200);
        assertThat(asyncApi.headers().firstValue("Content-Type")).hasValue(ApiServer.JSON_TYPE);
        assertThat(json(asyncApi).get("asyncapi").asText()).startsWith("3.");
    }

    @Test
    void shouldCreateListAndRevokeTokensFromTheCommandLine() throws Exception {
        Path endpoints = dir.resolve("endpoints.env");
        Files.writeString(
                endpoints,
                "JDBC_URL=" + databaseSettings.get(SinkConfig.POSTGRES_URL) + "\nJDBC_USER="
                        + databaseSettings.get(SinkConfig.POSTGRES_USER) + "\nJDBC_PASSWORD="
                        + databaseSettings.get(SinkConfig.POSTGRES_PASSWORD) + "\n");

        Run create =
                run("tokens", "create", "--scope", "read", "--name", "cli-test", "--endpoints", endpoints.toString());

        assertThat(create.exit()).as(create.err()).isZero();
        List<String> lines = create.out().lines().toList();
        assertThat(lines).as("the token alone on standard output").hasSize(1);
        String token = lines.get(0);
        assertThat(token).matches("flt_[A-Za-z0-9_-]{43}");
        assertThat(create.err()).doesNotContain(token);
        assertThat(get(token, "/api/v1/facilities").statusCode()).isEqualTo(200);

        Run list = run("tokens", "list", "--endpoints", endpoints.toString());
        assertThat(list.exit()).isZero();
        assertThat(list.out()).doesNotContain(token).doesNotContain(ApiTokens.sha256(token));
        String row = list.out()
                .lines()
                .filter(line -> line.contains("cli-test"))
                .findFirst()
                .orElseThrow();
        String id = row.trim().split("\\s+")[0];
        assertThat(row).contains(" read ");
        assertThat(row.trim().split("\\s+")[4]).as("last used").isNotEqualTo("-");

        Run revoke = run("tokens", "revoke", id, "--endpoints", endpoints.toString());
        assertThat(revoke.exit()).as(revoke.err()).isZero();
        assertThat(revoke.out()).contains("Token " + id + " revoked");
        assertThat(get(token, "/api/v1/facilities").statusCode()).isEqualTo(401);
        String revokedRow = run("tokens", "list", "--endpoints", endpoints.toString())
                .out()
                .lines()
                .filter(line -> line.contains("cli-test"))
                .findFirst()
                .orElseThrow();
        assertThat(revokedRow.trim().split("\\s+")[5]).as("revoked").isNotEqualTo("-");
        assertThat(run("tokens", "create", "--scope", "admin", "--endpoints", endpoints.toString())
                        .exit())
                .isNotZero();

        ApiTokens tokens = new ApiTokens(database, "public");
        String first = tokens.create(ApiTokens.Scope.READ, "rotated-demo").token();
        String second = tokens.create(ApiTokens.Scope.INGEST, "rotated-demo").token();
        assertThat(tokens.revokeNamed("rotated-demo")).isEqualTo(2);
        assertThat(tokens.authenticate(first)).isEmpty();
        assertThat(tokens.authenticate(second)).isEmpty();
        assertThat(tokens.revokeNamed("rotated-demo")).as("revoked already").isZero();
    }

    // --- reads

    @Test
    void shouldListTheMetadataPageByPage() throws Exception {
        JsonNode facilities = json(get(readToken, "/api/v1/facilities"));
        assertThat(facilities.get("items")).hasSize(1);
        assertThat(facilities.get("items").get(0).get("facilityId").asText()).isEqualTo("f1");

        JsonNode firstPage = json(get(readToken, "/api/v1/devices?room=r1&limit=1"));
        assertThat(firstPage.get("items")).hasSize(1);
        assertThat(firstPage.get("items").get(0).get("deviceId").asText()).isEqualTo("d1");
        assertThat(firstPage.get("page").get("nextOffset").asInt()).isEqualTo(1);
        JsonNode secondPage = json(get(readToken, "/api/v1/devices?room=r1&limit=1&offset=1"));
        assertThat(secondPage.get("items").get(0).get("deviceId").asText()).isEqualTo("d2");
        assertThat(secondPage.get("page").get("nextOffset").isNull()).isTrue();

        assertThat(json(get(readToken, "/api/v1/rooms?facility=f1")).get("items"))
                .extracting(room -> room.get("roomId").asText())
                .containsExactly("r1", "r2");
        JsonNode device = json(get(readToken, "/api/v1/devices/d1"));
        assertThat(device.get("roomId").asText()).isEqualTo("r1");
        assertThat(device.get("lastSeen").asText()).isNotEmpty();
        assertThat(get(readToken, "/api/v1/devices/nobody").statusCode()).isEqualTo(404);
        assertThat(json(get(readToken, "/api/v1/devices/d1/sensors")).get("items"))
                .extracting(sensor -> sensor.get("sensor").asText())
                .containsExactly("air_temperature");
    }

    @Test
    void shouldReadLiveValuesKpisAndActiveAlertsFromRedis() throws Exception {
        JsonNode latest = json(get(readToken, "/api/v1/devices/d1/latest"));
        assertThat(latest.get("source").asText()).isEqualTo("redis");
        assertThat(latest.get("items").get(0).get("value").asDouble()).isEqualTo(23.5);

        JsonNode room = json(get(readToken, "/api/v1/rooms/r1/latest"));
        assertThat(room.get("source").asText()).isEqualTo("redis");
        assertThat(room.get("items"))
                .extracting(i -> i.get("deviceId").asText())
                .containsExactly("d1", "d2");

        JsonNode kpis = json(get(readToken, "/api/v1/rooms/r1/kpis"));
        assertThat(kpis.get("source").asText()).isEqualTo("redis");
        assertThat(kpis.get("items").get(0).get("name").asText()).isEqualTo("vpd");
        assertThat(kpis.get("items").get(0).get("value").asDouble()).isEqualTo(1.25);

        JsonNode alerts = json(get(readToken, "/api/v1/alerts/active?room=r1"));
        assertThat(alerts.get("source").asText()).isEqualTo("redis");
        assertThat(alerts.get("items"))
                .extracting(a -> a.get("alertId").asText())
                .containsExactly("hot/d1/air");
        assertThat(json(get(readToken, "/api/v1/alerts/active?severity=info")).get("items"))
                .isEmpty();
    }

    @Test
    void shouldReadAHistoryAtTheResolutionThatFitsTheRange() throws Exception {
        String series = "/api/v1/devices/d1/sensors/air_temperature/series";
        JsonNode raw = json(get(readToken, series + "?from=" + NOW.minus(Duration.ofHours(1)) + "&to=" + NOW));
        assertThat(raw.get("resolution").asText()).isEqualTo("raw");
        assertThat(raw.get("items")).extracting(p -> p.get("value").asDouble()).containsExactly(20.0, 21.0);

        JsonNode minutes = json(get(readToken, series + "?from=" + NOW.minus(Duration.ofHours(12)) + "&to=" + NOW));
        assertThat(minutes.get("resolution").asText()).isEqualTo("1m");
        assertThat(minutes.get("items")).hasSize(1);
        assertThat(minutes.get("items").get(0).get("mean").asDouble()).isEqualTo(20.5);
        assertThat(minutes.get("items").get(0).get("count").asInt()).isEqualTo(2);

        JsonNode asked = json(get(
                readToken,
                series + "?from=" + NOW.minus(Duration.ofHours(1)) + "&to=" + NOW + "&resolution=1m&limit=5"));
        assertThat(asked.get("resolution").asText()).isEqualTo("1m");
        assertThat(get(readToken, series + "?resolution=5m").statusCode()).isEqualTo(400);
        assertThat(get(readToken, series + "?from=" + NOW + "&to=" + NOW.minusSeconds(1))
                        .statusCode())
                .isEqualTo(400);

        JsonNode history = json(get(readToken, "/api/v1/alerts?device=d1&state=raised"));
        assertThat(history.get("items"))
                .extracting(a -> a.get("state").asText())
                .containsExactly("RAISED");
        assertThat(json(get(readToken, "/api/v1/alerts")).get("items")).hasSize(2);
        // Without from and to the window ends now, which moves: page.next pins the window the first page used.
        JsonNode firstAlert = json(get(readToken, "/api/v1/alerts?limit=1"));
        assertThat(firstAlert.get("items")).hasSize(1);
        String next = firstAlert.get("page").get("next").asText();
        assertThat(next).startsWith("/api/v1/alerts?").contains("offset=1");
        JsonNode secondAlert = json(get(readToken, next));
        assertThat(secondAlert.get("from").asText())
                .isEqualTo(firstAlert.get("from").asText());
        assertThat(secondAlert.get("to").asText())
                .isEqualTo(firstAlert.get("to").asText());
        assertThat(secondAlert.get("items")).hasSize(1);
        assertThat(secondAlert.get("items").get(0))
                .isNotEqualTo(firstAlert.get("items").get(0));
        assertThat(secondAlert.get("page").has("next")).isFalse();

        JsonNode kpiHistory = json(get(readToken, "/api/v1/rooms/r1/kpis/history?name=vpd"));
        assertThat(kpiHistory.get("items"))
                .extracting(k -> k.get("value").asDouble())
                .as("every window, oldest first")
                .containsExactly(0.9, 1.1);
        assertThat(json(get(readToken, "/api/v1/rooms/r1/kpis/history?name=fcr"))
                        .get("items"))
                .isEmpty();

        JsonNode daily = json(get(readToken, "/api/v1/rooms/r1/daily"));
        assertThat(daily.get("items")).isEmpty();
    }

    @Test
    void shouldAnswerFromPostgresAndReportDegradedWhileRedisIsDownAndRecoverWhenItIsBack() throws Exception {
        int port = freePort();
        String degradedApi = "http://127.0.0.1:" + port;
        try (RedisServer redis = new RedisServer()) {
            redis.start();
            ServiceRuntime degradedRuntime = startApi(port, redis.url());
            try {
                redis.stop();

                JsonNode latest = json(get(degradedApi, readToken, "/api/v1/devices/d1/latest"));
                assertThat(latest.get("source").asText()).isEqualTo("postgresql");
                assertThat(latest.get("items").get(0).get("value").asDouble())
                        .as("PostgreSQL's newest reading")
                        .isEqualTo(21.0);
                JsonNode room = json(get(degradedApi, readToken, "/api/v1/rooms/r1/latest"));
                assertThat(room.get("source").asText()).isEqualTo("postgresql");
                assertThat(room.get("items"))
                        .extracting(i -> i.get("deviceId").asText())
                        .containsExactly("d1", "d2");
                JsonNode kpis = json(get(degradedApi, readToken, "/api/v1/rooms/r1/kpis"));
                assertThat(kpis.get("source").asText()).isEqualTo("postgresql");
                assertThat(kpis.get("items").get(0).get("value").asDouble())
                        .as("the newest window")
                        .isEqualTo(1.1);
                JsonNode alerts = json(get(degradedApi, readToken, "/api/v1/alerts/active?room=r1"));
                assertThat(alerts.get("source").asText()).isEqualTo("postgresql");
                assertThat(alerts.get("items"))
                        .extracting(a -> a.get("alertId").asText())
                        .containsExactly("hot/d1/air");

                String ops = degradedRuntime.opsUrl();
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    JsonNode health = json(send(HttpRequest.newBuilder(URI.create(ops + "/health"))));
                    assertThat(health.get("status").asText()).isEqualTo("DEGRADED");
                    assertThat(health.get("components").get("api").get("status").asText())
                            .isEqualTo("DEGRADED");
                });
                JsonNode healthy = json(send(HttpRequest.newBuilder(URI.create(runtime.opsUrl() + "/health"))));
                assertThat(healthy.get("status").asText())
                        .as("the instance with a working Redis")
                        .isEqualTo("UP");

                redis.start();
                seedLatest(redis.url(), "d1", 24.5);
                await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                    JsonNode back = json(get(degradedApi, readToken, "/api/v1/devices/d1/latest"));
                    assertThat(back.get("source").asText()).isEqualTo("redis");
                    assertThat(back.get("items").get(0).get("value").asDouble()).isEqualTo(24.5);
                    JsonNode health = json(send(HttpRequest.newBuilder(URI.create(ops + "/health"))));
                    assertThat(health.get("status").asText()).isEqualTo("UP");
                    assertThat(health.get("components").get("api").get("status").asText())
                            .isEqualTo("UP");
                });
            } finally {
                degradedRuntime.close();
            }
        }
    }

    // --- live reads: missing keys, key-ordered pages, out-of-range times, unreadable values

    @Test
    void shouldReadADeviceWhoseRedisKeysAreGoneFromPostgresAndSaySo() throws Exception {
        Instant time = NOW.minus(Duration.ofMinutes(3));
        try (Connection c = database.getConnection();
                Statement st = c.createStatement()) {
            // Room r2 of the shared seed (its device d3 has no values anywhere); a new room would change the lists
            // other tests check.
            st.execute("INSERT INTO device (device_id, site, room, type) VALUES"
                    + " ('c4-gone', 'f1', 'r2', 'climate'), ('c4-kept', 'f1', 'r2', 'climate')");
            st.execute("INSERT INTO measurement (time, device_id, sensor, value, unit, quality, source, site, room,"
                    + " ingest_time) VALUES ('" + time + "', 'c4-gone', 'air_temperature', 19.5, 'degC', 'GOOD',"
                    + " 'MQTT', 'f1', 'r2', now())");
            st.execute("INSERT INTO series (device_id, sensor, first_seen, last_seen) VALUES ('c4-gone',"
                    + " 'air_temperature', '" + time + "', '" + time + "')");
            st.execute("INSERT INTO kpi (window_start, window_end, room, site, name, value, unit) VALUES ('"
                    + time.minus(Duration.ofMinutes(5)) + "', '" + time + "', 'r2', 'f1', 'vpd', 0.8, 'kPa')");
        }
        withRedis(redis -> {
            redis.hset(redisPrefix + ":device:c4-gone:latest", "air_temperature", latestJson(20.5));
            redis.hset(redisPrefix + ":device:c4-kept:latest", "co2", latestJson(700));
            redis.sadd(redisPrefix + ":room:r2:devices", "c4-gone", "c4-kept");
        });
        assertThat(json(get(readToken, "/api/v1/devices/c4-gone/latest"))
                        .get("source")
                        .asText())
                .isEqualTo("redis");

        // Redis restarted without persistence, or evicted the keys: the device's hash and the room's set are gone.
        withRedis(redis -> redis.del(redisPrefix + ":device:c4-gone:latest", redisPrefix + ":room:r2:devices"));

        JsonNode device = json(get(readToken, "/api/v1/devices/c4-gone/latest"));
        assertThat(device.get("source").asText()).isEqualTo("postgresql");
        assertThat(device.get("items")).hasSize(1);
        assertThat(device.get("items").get(0).get("value").asDouble())
                .as("PostgreSQL's newest reading")
                .isEqualTo(19.5);
        assertThat(device.get("items").get(0).get("source").asText()).isEqualTo("postgresql");

        JsonNode room = json(get(readToken, "/api/v1/rooms/r2/latest"));
        assertThat(room.get("source").asText()).isEqualTo("mixed");
        assertThat(room.get("items"))
                .extracting(i -> i.get("deviceId").asText() + " "
                        + i.get("value").asDouble() + " " + i.get("source").asText())
                .as("the registered devices, each from where its values are")
                .containsExactly("c4-gone 19.5 postgresql", "c4-kept 700.0 redis");

        JsonNode kpis = json(get(readToken, "/api/v1/rooms/r2/kpis"));
        assertThat(kpis.get("source").asText()).as("no KPI hash in Redis").isEqualTo("postgresql");
        assertThat(kpis.get("items").get(0).get("value").asDouble()).isEqualTo(0.8);

        JsonNode health = json(send(HttpRequest.newBuilder(URI.create(runtime.opsUrl() + "/health"))));
        assertThat(health.get("components").get("api").get("status").asText())
                .as("a missing key is not an outage")
                .isEqualTo("UP");
        assertThat(metric("fieldline_api_live_misses_total", "kind=\"latest\"")).isGreaterThanOrEqualTo(2);
    }

    @Test
    void shouldPageLiveListsByKeySoThatConsecutivePagesCoverTheSetOnce() throws Exception {
        List<String> expected = new ArrayList<>();
        try (Connection c = database.getConnection();
                Statement st = c.createStatement()) {
            // Seen in the room by the Redis sink, but its hash is gone: five series, paged in SQL. (No room row:
            // a new room would change the lists other tests check.)
            st.execute("INSERT INTO device (device_id, type) VALUES ('c5-pg', 'x')");
            for (int s = 0; s < 5; s++) {
                Instant time = NOW.minusSeconds(60 + s);
                st.execute("INSERT INTO measurement (time, device_id, sensor, value, unit, quality, source, site,"
                        + " room, ingest_time) VALUES ('" + time + "', 'c5-pg', 's" + s + "', " + s
                        + ", 'u', 'GOOD', 'MQTT', 'f1', 'c5-room', now())");
                st.execute("INSERT INTO series (device_id, sensor, first_seen, last_seen) VALUES ('c5-pg', 's" + s
                        + "', '" + time + "', '" + time + "')");
            }
        }
        withRedis(redis -> {
            redis.sadd(redisPrefix + ":room:c5-room:devices", "c5-pg");
            for (int d = 0; d < 6; d++) {
                String device = "c5-d" + d;
                redis.sadd(redisPrefix + ":room:c5-room:devices", device);
                redis.hset(redisPrefix + ":device:" + device + ":latest", "a", latestJson(d));
                redis.hset(redisPrefix + ":device:" + device + ":latest", "b", latestJson(d + 0.5));
                String alert = "c5-rule/" + device + "/a";
                redis.sadd(redisPrefix + ":room:c5-room:alerts:active", alert);
                redis.hset(
                        redisPrefix + ":alerts:details",
                        alert,
                        "{\"time\":" + NOW.minusSeconds(d).toEpochMilli() + ",\"alertId\":\"" + alert
                                + "\",\"state\":\"RAISED\",\"severity\":\"WARNING\",\"deviceId\":\"" + device
                                + "\",\"room\":\"c5-room\",\"site\":\"f1\"}");
            }
        });
        for (int d = 0; d < 6; d++) {
            expected.add("c5-d" + d + "/a");
            expected.add("c5-d" + d + "/b");
        }
        for (int s = 0; s < 5; s++) {
            expected.add("c5-pg/s" + s);
        }

        List<String> walked = walk(
                "/api/v1/rooms/c5-room/latest?limit=4",
                4,
                i -> i.get("deviceId").asText() + "/" + i.get("sensor").asText());
        assertThat(walked).as("every series once, by device and sensor").containsExactlyElementsOf(expected);
        JsonNode second = json(get(readToken, "/api/v1/rooms/c5-room/latest?limit=4&offset=4"));
        assertThat(second.get("items"))
                .extracting(
                        i -> i.get("deviceId").asText() + "/" + i.get("sensor").asText())
                .as("offset still pages")
                .containsExactlyElementsOf(expected.subList(4, 8));

        List<String> fromPostgres = walk(
                "/api/v1/devices/c5-pg/latest?limit=2", 2, i -> i.get("sensor").asText());
        assertThat(fromPostgres).containsExactly("s0", "s1", "s2", "s3", "s4");

        List<String> alerts = walk(
                "/api/v1/alerts/active?room=c5-room&limit=4",
                4,
                i -> i.get("alertId").asText());
        assertThat(alerts)
                .as("by alert id, each once")
                .containsExactly(
                        "c5-rule/c5-d0/a",
                        "c5-rule/c5-d1/a",
                        "c5-rule/c5-d2/a",
                        "c5-rule/c5-d3/a",
                        "c5-rule/c5-d4/a",
                        "c5-rule/c5-d5/a");
        List<String> oneDevice = walk(
                "/api/v1/alerts/active?room=c5-room&device=c5-d4&limit=1",
                1,
                i -> i.get("alertId").asText());
        assertThat(oneDevice).containsExactly("c5-rule/c5-d4/a");

        // A page turned while the set changes neither repeats nor skips what stayed.
        JsonNode first = json(get(readToken, "/api/v1/alerts/active?room=c5-room&limit=3"));
        withRedis(redis -> {
            redis.srem(redisPrefix + ":room:c5-room:alerts:active", "c5-rule/c5-d0/a");
            redis.hdel(redisPrefix + ":alerts:details", "c5-rule/c5-d0/a");
        });
        JsonNode next = json(get(readToken, first.get("page").get("next").asText()));
        assertThat(next.get("items"))
                .extracting(i -> i.get("alertId").asText())
                .containsExactly("c5-rule/c5-d3/a", "c5-rule/c5-d4/a", "c5-rule/c5-d5/a");
        assertThat(get(readToken, "/api/v1/alerts/active?after=not-a-cursor").statusCode())
                .isEqualTo(400);
    }

    @Test
    void shouldRefuseTimesOutOfRangeWith400NamingTheParameter() throws Exception {
        String series = "/api/v1/devices/d1/sensors/air_temperature/series";
        Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put(series + "?from=%2B999999-01-01T00:00:00Z", "?from");
        refused.put(series + "?to=%2B999999-01-01T00:00:00Z", "?to");
        refused.put(series + "?from=-999999999-01-01T00:00:00Z", "?from");
        refused.put(series + "?to=-1000000001-01-01T00:00:00Z", "?to");
        refused.put(series + "?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "?from");
        refused.put(series + "?from=2000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&resolution=raw", "?resolution");
        refused.put("/api/v1/alerts?to=0001-01-01T00:00:00Z", "?from");
        refused.put("/api/v1/alerts?from=%2B999999-01-01T00:00:00Z&to=%2B1000000-01-01T00:00:00Z", "?to");
        refused.put("/api/v1/rooms/r1/daily?from=-000001-01-01T00:00:00Z", "?from");
        refused.put("/api/v1/rooms/r1/kpis/history?to=%2B999999-01-01T00:00:00Z", "?to");
        for (Map.Entry<String, String> request : refused.entrySet()) {
            HttpResponse<String> response = get(readToken, request.getKey());
            assertThat(response.statusCode())
                    .as(request.getKey() + ": " + response.body())
                    .isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
            JsonNode problem = json(response);
            assertThat(problem.get("type").asText()).isEqualTo("urn:fieldline:problem:validation");
            assertThat(problem.get("errors").get(0).get("pointer").asText())
                    .as(request.getKey())
                    .isEqualTo(request.getValue());
        }
        // At the edges of the range, a defaulted end is cut to it rather than refused.
        HttpResponse<String> late = get(readToken, series + "?from=9999-12-31T12:00:00Z");
        assertThat(late.statusCode()).as(late.body()).isEqualTo(200);
        assertThat(json(late).get("to").asText()).isEqualTo("9999-12-31T23:59:59Z");
        HttpResponse<String> everything =
                get(readToken, "/api/v1/alerts?from=0001-01-01T00:00:00Z&to=9999-12-31T00:00:00Z");
        assertThat(everything.statusCode()).as(everything.body()).isEqualTo(200);
        assertThat(json(everything).get("items")).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void shouldLeaveOutAnUnreadableRedisValueAndKeepServingTheRestFromRedis() throws Exception {
        withRedis(redis -> {
            String key = redisPrefix + ":device:r2-dev:latest";
            redis.hset(key, "air_temperature", latestJson(22.25));
            redis.hset(key, "co2", "not json");
            redis.hset(key, "relative_humidity", "{\"time\":" + NOW.toEpochMilli() + ",\"value\":\"wet\"}");
            redis.hset(redisPrefix + ":room:r2-room:kpis", "vpd", "{\"value\":1.0,\"windowEnd\":\"yesterday\"}");
            redis.hset(
                    redisPrefix + ":room:r2-room:kpis",
                    "dli",
                    "{\"time\":1,\"value\":12.5,\"windowStart\":0," + "\"windowEnd\":1}");
            redis.set(redisPrefix + ":device:r2-string:latest", "a string, not a hash");
        });
        double before = metric("fieldline_api_live_unreadable_total", "kind=\"latest\"");

        JsonNode latest = json(get(readToken, "/api/v1/devices/r2-dev/latest"));
        assertThat(latest.get("source").asText()).isEqualTo("redis");
        assertThat(latest.get("items"))
                .extracting(i -> i.get("sensor").asText() + "=" + i.get("value").asDouble())
                .containsExactly("air_temperature=22.25");
        JsonNode kpis = json(get(readToken, "/api/v1/rooms/r2-room/kpis"));
        assertThat(kpis.get("source").asText()).isEqualTo("redis");
        assertThat(kpis.get("items")).extracting(i -> i.get("name").asText()).containsExactly("dli");
        HttpResponse<String> wrongType = get(readToken, "/api/v1/devices/r2-string/latest");
        assertThat(wrongType.statusCode()).isEqualTo(200);
        assertThat(json(wrongType).get("items")).isEmpty();
        // Redis was not marked unavailable: the next read of another device is still Redis's.
        JsonNode other = json(get(readToken, "/api/v1/devices/d1/latest"));
        assertThat(other.get("source").asText()).isEqualTo("redis");
        assertThat(metric("fieldline_api_live_unreadable_total", "kind=\"latest\"") - before)
                .as("the two unreadable fields and the key of the wrong type")
                .isEqualTo(3);
        await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
            JsonNode health = json(send(HttpRequest.newBuilder(URI.create(runtime.opsUrl() + "/health"))));
            assertThat(health.get("status").asText()).isEqualTo("UP");
            assertThat(health.get("components").get("api").get("status").asText())
                    .isEqualTo("UP");
        });
    }

    private static String latestJson(double value) {
        return "{\"time\":" + NOW.toEpochMilli() + ",\"value\":" + value + ",\"unit\":\"u\",\"quality\":\"GOOD\"}";
    }

    private static void withRedis(java.util.function.Consumer<RedisCommands<String, String>> action) {
        RedisClient client = RedisClient.create(stack.redis().url());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            action.accept(connection.sync());
        } finally {
            client.shutdown();
        }
    }

    /** Follows page.next from the first page, checking each page's size; the items' keys in the order read. */
    private static List<String> walk(String first, int limit, java.util.function.Function<JsonNode, String> key)
            throws Exception {
        List<String> keys = new ArrayList<>();
        String next = first;
        for (int pages = 0; next != null; pages++) {
            assertThat(pages).as("pages of " + first).isLessThan(50);
            HttpResponse<String> response = get(readToken, next);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode page = json(response);
            assertThat(page.get("items").size()).isBetween(1, limit);
            page.get("items").forEach(item -> keys.add(key.apply(item)));
            next = page.get("page").has("next") ? page.get("page").get("next").asText() : null;
            if (next == null) {
                assertThat(page.get("page").get("nextOffset").isNull()).isTrue();
            }
        }
        return keys;
    }

    /** The sum of the series of one meter of the main instance's /metrics that have the label given. */
    private static double metric(String name, String label) throws Exception {
        String text = send(HttpRequest.newBuilder(URI.create(runtime.opsUrl() + "/metrics")))
                .body();
        return text.lines()
                .filter(line -> line.startsWith(name + "{") && line.contains(label))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static void seedLatest(String url, String device, double value) {
        RedisClient client = RedisClient.create(url);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection
                    .sync()
                    .hset(
                            redisPrefix + ":device:" + device + ":latest",
                            "air_temperature",
                            "{\"time\":" + NOW.toEpochMilli() + ",\"value\":" + value
                                    + ",\"unit\":\"degC\",\"quality\":\"GOOD\"}");
        } finally {
            client.shutdown();
        }
    }

    // --- limits, overload, 202 only after Kafka's acknowledgement, stop

    @Test
    void shouldCloseStalledConnectionsWithinTheRequestTimeoutAndKeepAnsweringOthers() throws Exception {
        int port = URI.create(api).getPort();
        // More stalled clients than request threads (api.threads 8): half stall in the headers, half in the body.
        List<java.net.Socket> stalled = new ArrayList<>();
        java.net.Socket idle = new java.net.Socket("127.0.0.1", port);
        long sent = System.nanoTime();
        try {
            for (int i = 0; i < 10; i++) {
                java.net.Socket socket = new java.net.Socket("127.0.0.1", port);
                socket.setSoTimeout((int) REQUEST_TIMEOUT_MS + 6_000);
                String partial = i % 2 == 0
                        ? "GET /api/v1/facilities HTTP/1.1\r\nHost: fieldline\r\nAuthorization: Bearer "
                        : "POST /api/v1/measurements HTTP/1.1\r\nHost: fieldline\r\nAuthorization: Bearer "
                                + ingestToken + "\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
                                + "{\"deviceId\": \"slow";
                socket.getOutputStream().write(partial.getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
                stalled.add(socket);
            }

            long before = System.nanoTime();
            HttpResponse<String> facilities = get(readToken, "/api/v1/facilities");
            long tookMs = (System.nanoTime() - before) / 1_000_000;

            assertThat(facilities.statusCode()).isEqualTo(200);
            assertThat(tookMs)
                    .as("answered while 10 clients stall, well before the request timeout cuts them")
                    .isLessThan(REQUEST_TIMEOUT_MS / 2);
            for (java.net.Socket socket : stalled) {
                int first;
                try {
                    first = socket.getInputStream().read();
                } catch (java.net.SocketException reset) {
                    first = -1;
                }
                assertThat(first).as("closed without an answer").isEqualTo(-1);
            }
            long closedAfterMs = (System.nanoTime() - sent) / 1_000_000;
            assertThat(closedAfterMs)
                    .as("every stalled connection closed within api.request.timeout.ms (plus the watchdog's tick)")
                    .isLessThan(REQUEST_TIMEOUT_MS + 1_500);
            double dropped = send(HttpRequest.newBuilder(URI.create(runtime.opsUrl() + "/metrics")))
                    .body()
                    .lines()
                    .filter(line -> line.startsWith("fieldline_api_connections_dropped_total{")
                            && line.contains("reason=\"request_timeout\""))
                    .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                    .sum();
            assertThat(dropped).as("counted by reason").isGreaterThanOrEqualTo(10);
            assertThat(get(readToken, "/api/v1/facilities").statusCode()).isEqualTo(200);
        } finally {
            idle.close();
            for (java.net.Socket socket : stalled) {
                socket.close();
            }
        }
    }

    @Test
    void shouldRefuseUnreadBodiesOnTheReadingThreadSoThatClientsSendingNoneNeverHoldARequestThread() throws Exception {
        int port = URI.create(api).getPort();
        // More than api.threads (8) + api.queue.size (64): headers only, the announced body (past api.max.body.bytes)
        // never comes. Answered from a request thread, each would hold it while the JDK waits for the body
        // (api.response.timeout.ms).
        String[] heads = {
            "Authorization: Bearer " + ingestToken + "\r\nContent-Type: application/json\r\nContent-Length: 999999999",
            "Authorization: Bearer " + ingestToken + "\r\nContent-Type: text/plain\r\nContent-Length: 999999999",
            "Content-Type: application/json\r\nContent-Length: 999999999",
        };
        String[] expected = {"413", "415", "401"};
        List<java.net.Socket> clients = new ArrayList<>();
        long sent = System.nanoTime();
        try {
            for (int i = 0; i < 75; i++) {
                java.net.Socket socket = new java.net.Socket("127.0.0.1", port);
                socket.setSoTimeout(5_000);
                socket.getOutputStream()
                        .write(("POST /api/v1/measurements HTTP/1.1\r\nHost: fieldline\r\n" + heads[i % 3] + "\r\n\r\n")
                                .getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
                clients.add(socket);
            }
            for (int i = 0; i < clients.size(); i++) {
                String answer = new String(clients.get(i).getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(answer)
                        .as("answered, then the connection closed")
                        .startsWith("HTTP/1.1 " + expected[i % 3])
                        .containsIgnoringCase("Connection: close");
            }
            assertThat((System.nanoTime() - sent) / 1_000_000)
                    .as("all answered and closed after a short drain each, not after api.response.timeout.ms")
                    .isLessThan(4_000);

            long before = System.nanoTime();
            HttpResponse<String> facilities = get(readToken, "/api/v1/facilities");
            assertThat(facilities.statusCode()).as("no request thread is held").isEqualTo(200);
            assertThat((System.nanoTime() - before) / 1_000_000).isLessThan(REQUEST_TIMEOUT_MS);
        } finally {
            for (java.net.Socket socket : clients) {
                socket.close();
            }
        }
    }

    @Test
    void shouldAnswerHeadOnAGetRouteLikeGetWithoutABody() throws Exception {
        HttpResponse<String> get = get(readToken, "/api/v1/devices/d1");
        HttpResponse<String> head = send(HttpRequest.newBuilder(URI.create(api + "/api/v1/devices/d1"))
                .header("Authorization", "Bearer " + readToken)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));

        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("Content-Type"))
                .isEqualTo(get.headers().firstValue("Content-Type"));
        assertThat(head.headers().firstValueAsLong("Content-Length"))
                .hasValue(get.body().getBytes(StandardCharsets.UTF_8).length);

        HttpResponse<String> noToken = send(HttpRequest.newBuilder(URI.create(api + "/api/v1/devices/d1"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(noToken.body()).isEmpty();
        HttpResponse<String> headOnPost = send(HttpRequest.newBuilder(URI.create(api + "/api/v1/measurements"))
                .header("Authorization", "Bearer " + ingestToken)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(headOnPost.statusCode()).isEqualTo(405);
        assertThat(headOnPost.headers().firstValue("Allow")).hasValue("POST");
        HttpResponse<String> postOnGet = send(HttpRequest.newBuilder(URI.create(api + "/api/v1/facilities"))
                .header("Authorization", "Bearer " + readToken)
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(postOnGet.statusCode()).isEqualTo(405);
        assertThat(postOnGet.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }

    @Test
    void shouldAcceptOnlyOneOfTwoConcurrentRequestsWithTheSameIdempotencyKey() throws Exception {
        String body = "{\"deviceId\": \"concurrent-1\", \"sensor\": \"co2\", \"value\": 612}";
        long before = endOffset();

        CompletableFuture<HttpResponse<String>> one = postAsync(api, body, "concurrent-key");
        CompletableFuture<HttpResponse<String>> two = postAsync(api, body, "concurrent-key");
        List<HttpResponse<String>> answers = List.of(one.get(30, TimeUnit.SECONDS), two.get(30, TimeUnit.SECONDS));

        List<HttpResponse<String>> accepted = answers.stream()
                .filter(r -> r.statusCode() == 202
                        && r.headers().firstValue("Idempotent-Replayed").isEmpty())
                .toList();
        assertThat(accepted).as("exactly one request is processed").hasSize(1);
        for (HttpResponse<String> answer : answers) {
            if (answer != accepted.get(0)) {
                // Still in progress when it came: 409; or it came after the first was answered: the same answer.
                if (answer.statusCode() == 409) {
                    assertThat(json(answer).get("type").asText())
                            .isEqualTo("urn:fieldline:problem:idempotency-key-in-use");
                } else {
                    assertThat(answer.statusCode()).isEqualTo(202);
                    assertThat(answer.headers().firstValue("Idempotent-Replayed"))
                            .hasValue("true");
                    assertThat(answer.body()).isEqualTo(accepted.get(0).body());
                }
            }
        }
        assertThat(endOffset() - before).as("the reading is in Kafka once").isEqualTo(1);
    }

    @Test
    void shouldAnswer503NotA202WhileKafkaCannotTakeTheReadingsAndDrainOnStop() throws Exception {
        // A second instance whose readings topic does not exist (the broker creates none): the producer waits for its
        // metadata up to the delivery timeout, holding one of the instance's two request threads, then fails.
        TopicNames missing =
                new TopicNames("api-nokafka-" + UUID.randomUUID().toString().substring(0, 8) + ".");
        int port = freePort();
        String base = "http://127.0.0.1:" + port;
        ServiceRuntime second = startApi(
                port,
                null,
                Map.of(
                        AppConfig.TOPICS_PREFIX, missing.prefix(),
                        ApiConfig.THREADS, "2",
                        ApiConfig.QUEUE_SIZE, "0",
                        ApiConfig.KAFKA_DELIVERY_TIMEOUT_MS, "6000",
                        ServiceConfig.SUPERVISION_BACKOFF_INITIAL_MS, "100"));
        String body = "{\"deviceId\": \"nokafka-1\", \"sensor\": \"co2\", \"value\": 1}";
        boolean closed = false;
        try {
            CompletableFuture<HttpResponse<String>> first = postAsync(base, body, "nokafka-1");
            awaitClaimed("nokafka-1");

            HttpResponse<String> same = post(base, ingestToken, body, "nokafka-1");
            assertThat(same.statusCode())
                    .as("the same key while the first is in progress")
                    .isEqualTo(409);
            assertThat(json(same).get("type").asText()).isEqualTo("urn:fieldline:problem:idempotency-key-in-use");

            // The thread that answered the 409 may not be free again yet (api.queue.size 0): an overloaded 503 is
            // sent again until the request holds its claim.
            CompletableFuture<HttpResponse<String>> other = postUntilClaimed(
                    base, "{\"deviceId\": \"nokafka-2\", \"sensor\": \"co2\", \"value\": 2}", "nokafka-2");
            // Both request threads wait for Kafka's metadata and api.queue.size is 0.
            HttpResponse<String> overloaded = get(base, readToken, "/api/v1/facilities");
            assertThat(overloaded.statusCode()).isEqualTo(503);
            assertThat(overloaded.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(overloaded.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(json(overloaded).get("type").asText()).isEqualTo("urn:fieldline:problem:overloaded");
            String ops = second.opsUrl();
            await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
                JsonNode api = json(send(HttpRequest.newBuilder(URI.create(ops + "/health"))))
                        .get("components")
                        .get("api");
                assertThat(api.get("status").asText()).isEqualTo("DEGRADED");
                assertThat(api.toString()).contains("overloaded");
            });

            HttpResponse<String> refused = first.get(30, TimeUnit.SECONDS);
            assertThat(refused.statusCode())
                    .as("never 202: Kafka did not take the reading")
                    .isEqualTo(503);
            assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(json(refused).get("type").asText()).isEqualTo("urn:fieldline:problem:unavailable");
            assertThat(other.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
            assertThat(claimStatus("nokafka-1"))
                    .as("the failed request's claim is released")
                    .isEmpty();

            // The publisher failed; the supervisor restarts the component. Still no topic: a POST waits for it while
            // the instance stops, and is answered once the topic exists, within api.stop.drain.ms.
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(json(send(HttpRequest.newBuilder(URI.create(ops + "/health"))))
                                    .get("components")
                                    .get("api")
                                    .get("status")
                                    .asText())
                            .isEqualTo("UP"));
            String drained = "{\"deviceId\": \"nokafka-3\", \"sensor\": \"co2\", \"value\": 3}";
            CompletableFuture<HttpResponse<String>> pending = postAsync(base, drained, "nokafka-3");
            awaitClaimed("nokafka-3");
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(second::close);
            closed = true;
            await().atMost(Duration.ofSeconds(5)).until(() -> !accepts(port));
            // Past the second a stop used to give requests in progress before it closed their connections.
            Thread.sleep(1_500);
            try (Admin admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()))) {
                new TopicProvisioner(missing, 1, (short) 1).createMissing(admin);
            }

            HttpResponse<String> answered = pending.get(30, TimeUnit.SECONDS);
            assertThat(answered.statusCode()).as(answered.body()).isEqualTo(202);
            stopped.get(30, TimeUnit.SECONDS);
            assertThat(claimStatus("nokafka-3")).as("its answer is kept").contains(202);
            assertThat(endOffset(missing.readings()))
                    .as("only the drained reading")
                    .isEqualTo(1);
        } finally {
            if (!closed) {
                second.close();
            }
        }

        // The released claim: a retry with the same key, on any instance, is processed.
        long before = endOffset();
        HttpResponse<String> retry = post(ingestToken, body, "nokafka-1");
        assertThat(retry.statusCode()).as(retry.body()).isEqualTo(202);
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(endOffset() - before).isEqualTo(1);
    }

    private static CompletableFuture<HttpResponse<String>> postAsync(String base, String body, String key) {
        return HTTP.sendAsync(
                HttpRequest.newBuilder(URI.create(base + "/api/v1/measurements"))
                        .header("Authorization", "Bearer " + ingestToken)
                        .header("Content-Type", "application/json")
                        .header("Idempotency-Key", key)
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String base, String token, String body, String key) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + "/api/v1/measurements"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** Posts until the request holds the key's claim, sending it again while it is answered 503 (overloaded). */
    private static CompletableFuture<HttpResponse<String>> postUntilClaimed(String base, String body, String key)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            CompletableFuture<HttpResponse<String>> request = postAsync(base, body, key);
            while (!request.isDone()) {
                if (claimStatus(key).map(status -> status == 0).orElse(false)) {
                    return request;
                }
                assertThat(System.nanoTime()).as("%s claimed within 10 s", key).isLessThan(deadline);
                Thread.sleep(20);
            }
            HttpResponse<String> answer = request.get();
            assertThat(answer.statusCode())
                    .as("%s answered before its claim: %s", key, answer.body())
                    .isEqualTo(503);
            assertThat(System.nanoTime()).as("%s claimed within 10 s", key).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** Waits until a request holds the key's claim (claimed, no answer yet). */
    private static void awaitClaimed(String key) {
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> claimStatus(key).map(status -> status == 0).orElse(false));
    }

    /** The key's row in api_idempotency: 0 while claimed without an answer, else the stored status; empty if none. */
    private static java.util.Optional<Integer> claimStatus(String key) throws Exception {
        try (Connection c = database.getConnection();
                java.sql.PreparedStatement st = c.prepareStatement(
                        "SELECT coalesce(status, 0) FROM api_idempotency WHERE idempotency_key = ?")) {
            st.setString(1, key);
            try (java.sql.ResultSet rs = st.executeQuery()) {
                return rs.next() ? java.util.Optional.of(rs.getInt(1)) : java.util.Optional.empty();
            }
        }
    }

    private static boolean accepts(int port) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static long endOffset(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            TopicPartition partition = new TopicPartition(topic, 0);
            return consumer.endOffsets(List.of(partition)).get(partition);
        }
    }

    // --- helpers

    private static void seedDatabase() throws Exception {
        Instant t1 = NOW.minus(Duration.ofMinutes(30));
        Instant t2 = NOW.minus(Duration.ofMinutes(20));
        Instant minute = NOW.minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.MINUTES);
        try (Connection c = database.getConnection();
                Statement st = c.createStatement()) {
            st.execute("INSERT INTO facility (facility_id, name) VALUES ('f1', 'North farm')");
            st.execute("INSERT INTO room (room_id, facility_id, name) VALUES ('r1', 'f1', 'House 1'),"
                    + " ('r2', 'f1', 'House 2')");
            st.execute("INSERT INTO device (device_id, site, room, type) VALUES ('d1', 'f1', 'r1', 'climate'),"
                    + " ('d2', 'f1', 'r1', 'climate'), ('d3', 'f1', 'r2', 'climate')");
            st.execute("INSERT INTO sensor (device_id, sensor, unit) VALUES ('d1', 'air_temperature', 'degC')");
            st.execute("INSERT INTO measurement (time, device_id, sensor, value, unit, quality, source, site, room,"
                    + " ingest_time) VALUES "
                    + "('" + t1 + "', 'd1', 'air_temperature', 20.0, 'degC', 'GOOD', 'MQTT', 'f1', 'r1', now()),"
                    + "('" + t2 + "', 'd1', 'air_temperature', 21.0, 'degC', 'GOOD', 'MQTT', 'f1', 'r1', now()),"
                    + "('" + t2 + "', 'd2', 'co2', 640, 'ppm', 'GOOD', 'MQTT', 'f1', 'r1', now())");
            st.execute("INSERT INTO series (device_id, sensor, first_seen, last_seen) VALUES "
                    + "('d1', 'air_temperature', '" + t1 + "', '" + t1 + "'), ('d2', 'co2', '" + t2 + "', '" + t2
                    + "')");
            st.execute("INSERT INTO aggregate_1m (window_start, window_end, device_id, sensor, unit, site, room,"
                    + " count, sum, min, max, mean, m2, stddev, first, first_time, last, last_time) VALUES ('"
                    + minute + "', '" + minute.plusSeconds(60) + "', 'd1', 'air_temperature', 'degC', 'f1', 'r1',"
                    + " 2, 41, 20, 21, 20.5, 0.5, 0.5, 20, '" + minute + "', 21, '" + minute.plusSeconds(30) + "')");
            st.execute("INSERT INTO kpi (window_start, window_end, room, site, name, value, unit) VALUES "
                    + "('" + NOW.minus(Duration.ofMinutes(10)) + "', '" + NOW.minus(Duration.ofMinutes(5))
                    + "', 'r1', 'f1', 'vpd', 1.1, 'kPa'), ('" + NOW.minus(Duration.ofMinutes(20)) + "', '"
                    + NOW.minus(Duration.ofMinutes(15)) + "', 'r1', 'f1', 'vpd', 0.9, 'kPa')");
            String since = NOW.minus(Duration.ofMinutes(40)).toString();
            String raised = NOW.minus(Duration.ofMinutes(35)).toString();
            st.execute("INSERT INTO alert (event_time, alert_id, state, rule_id, kind, severity, device_id, sensor,"
                    + " site, room, direction, value, threshold, since, message) VALUES "
                    + "('" + raised + "', 'hot/d1/air', 'RAISED', 'hot', 'THRESHOLD', 'WARNING', 'd1',"
                    + " 'air_temperature', 'f1', 'r1', 'ABOVE', 31, 30, '" + since + "', 'too hot'),"
                    + "('" + NOW.minus(Duration.ofMinutes(34)) + "', 'hot/d1/air', 'ESCALATED', 'hot', 'THRESHOLD',"
                    + " 'CRITICAL', 'd1', 'air_temperature', 'f1', 'r1', 'ABOVE', 36, 35, '" + since
                    + "', 'far too hot')");
            st.execute("INSERT INTO alert_current (alert_id, event_time, state, rule_id, kind, severity, device_id,"
                    + " sensor, site, room, direction, value, threshold, since, message) VALUES ('hot/d1/air', '"
                    + NOW.minus(Duration.ofMinutes(34)) + "', 'ESCALATED', 'hot', 'THRESHOLD', 'CRITICAL', 'd1',"
                    + " 'air_temperature', 'f1', 'r1', 'ABOVE', 36, 35, '" + since + "', 'far too hot')");
        }
    }

    private static void seedRedis() {
        RedisClient client = RedisClient.create(stack.redis().url());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> redis = connection.sync();
            long time = NOW.minusSeconds(5).toEpochMilli();
            redis.hset(
                    redisPrefix + ":device:d1:latest",
                    "air_temperature",
                    "{\"time\":" + time + ",\"value\":23.5,\"unit\":\"degC\",\"quality\":\"GOOD\"}");
            redis.hset(
                    redisPrefix + ":device:d2:latest",
                    "co2",
                    "{\"time\":" + time + ",\"value\":650,\"unit\":\"ppm\",\"quality\":\"GOOD\"}");
            redis.sadd(redisPrefix + ":room:r1:devices", "d1", "d2");
            redis.hset(
                    redisPrefix + ":room:r1:kpis",
                    "vpd",
                    "{\"time\":" + time + ",\"value\":1.25,\"unit\":\"kPa\",\"windowStart\":" + (time - 300_000)
                            + ",\"windowEnd\":" + time + "}");
            redis.sadd(redisPrefix + ":alerts:active", "hot/d1/air");
            redis.sadd(redisPrefix + ":room:r1:alerts:active", "hot/d1/air");
            redis.hset(
                    redisPrefix + ":alerts:details",
                    "hot/d1/air",
                    "{\"time\":" + time + ",\"alertId\":\"hot/d1/air\",\"ruleId\":\"hot\",\"kind\":\"THRESHOLD\","
                            + "\"state\":\"ESCALATED\",\"severity\":\"CRITICAL\",\"deviceId\":\"d1\","
                            + "\"sensor\":\"air_temperature\",\"site\":\"f1\",\"room\":\"r1\",\"direction\":\"ABOVE\","
                            + "\"value\":36,\"threshold\":35,\"since\":" + (time - 60_000)
                            + ",\"message\":\"far too hot\"}");
        } finally {
            client.shutdown();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static long endOffset() {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            TopicPartition partition = new TopicPartition(topics.readings(), 0);
            return consumer.endOffsets(List.of(partition)).get(partition);
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer() {
        return new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    private static List<ConsumerRecord<byte[], Reading>> readFrom(long offset, int count) {
        Deserializer<Reading> values = AvroSerdes.specific(
                        Reading.class,
                        new HttpSchemaRegistryClient(stack.schemaRegistry().url()),
                        false)
                .deserializer();
        TopicPartition partition = new TopicPartition(topics.readings(), 0);
        List<ConsumerRecord<byte[], Reading>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, offset);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (records.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    records.add(new ConsumerRecord<>(
                            record.topic(),
                            record.partition(),
                            record.offset(),
                            record.timestamp(),
                            record.timestampType(),
                            record.serializedKeySize(),
                            record.serializedValueSize(),
                            record.key(),
                            values.deserialize(record.topic(), record.headers(), record.value()),
                            record.headers(),
                            record.leaderEpoch()));
                }
            }
        }
        return records.subList(0, Math.min(count, records.size()));
    }

    private static HttpResponse<String> get(String token, String path) throws Exception {
        return get(api, token, path);
    }

    private static HttpResponse<String> get(String base, String token, String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token));
    }

    private static HttpResponse<String> post(String token, String body, String idempotencyKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(api + "/api/v1/measurements"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return send(request);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    record Run(int exit, String out, String err) {}

    private static synchronized Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            int exit = new CommandLine(new FieldlineCommand()).execute(args);
            return new Run(exit, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
