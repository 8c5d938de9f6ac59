package io.fieldline.app.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fieldline.bridge.ingress.IngressFailedException;
import io.fieldline.bridge.ingress.IngressPublisher;
import io.fieldline.bridge.ingress.Origin;
import io.fieldline.schemas.avro.Reading;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API on the JDK's HTTP server: routes ({@link ApiRoute}), bearer tokens and their scopes, request limits,
 * idempotency keys, problem details for every error, and the handlers. Ingested readings go through the shared
 * {@link IngressPublisher} (source {@code http}); a POST is answered 202 only once Kafka acknowledged every reading.
 *
 * <p>Two stages of threads: the JDK server's executor is the <em>reading</em> stage ({@code api.read.threads}), which
 * reads each request whole (line, headers, body) under a deadline ({@link ConnectionWatchdog},
 * {@code api.request.timeout.ms}) so that a slow or stalled client never holds a thread for long; the <em>request</em>
 * stage ({@code api.threads}) checks tokens, reads the database and publishes. At most {@code api.queue.size}
 * requests wait for a request thread; a further one is answered 503 (overloaded, with Retry-After). A POST holds no
 * thread while Kafka acknowledges: it is answered from the publish future's completion.
 */
public final class ApiServer implements AutoCloseable {

    public static final String METER_REQUESTS = "fieldline.api.requests";
    public static final String METER_DURATION = "fieldline.api.request.duration";
    /** Connections closed unanswered (a slow or stalled client, no reading thread free), by {@code reason}. */
    public static final String METER_CONNECTIONS_DROPPED = ConnectionWatchdog.METER_DROPPED;

    public static final String METER_FALLBACKS = "fieldline.api.live.fallbacks";
    public static final String METER_MISSES = "fieldline.api.live.misses";
    public static final String METER_UNREADABLE = "fieldline.api.live.unreadable";

    static final String PROBLEM_JSON = "application/problem+json";
    static final String JSON_TYPE = "application/json";
    static final String SOURCE_REDIS = "redis";
    static final String SOURCE_POSTGRES = "postgresql";

    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");
    private static final Duration DEFAULT_RANGE = Duration.ofHours(24);
    private static final java.util.Set<String> KNOWN_METHODS =
            java.util.Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");

    /** What a handler answers. */
    record Response(int status, String contentType, String body, Map<String, String> headers) {
        static Response json(int status, Object document) {
            return new Response(status, JSON_TYPE, write(document), Map.of());
        }
    }

    /** One request, once routed and authenticated. */
    record Request(
            ApiRoute route,
            Map<String, String> path,
            Map<String, String> query,
            byte[] body,
            ApiTokens.Token token,
            Headers headers) {}

    private final ApiConfig config;
    private final ApiTokens tokens;
    private final IdempotencyKeys idempotency;
    private final TelemetryReads reads;
    private final LiveReads live;
    private final IngressPublisher publisher;
    private final MeasurementDecoder decoder;
    private final MeterRegistry meters;
    private final Clock clock;
    private final byte[] openApi;
    private final String asyncApi;
    private final Counter fallbacks;
    private final LiveValues liveValues;
    /** How long after the last request refused as overloaded the component still reports DEGRADED. */
    private static final long OVERLOAD_REPORTED_NANOS = TimeUnit.SECONDS.toNanos(10);

    private HttpServer server;
    private ThreadPoolExecutor readers;
    private ThreadPoolExecutor workers;
    private ConnectionWatchdog watchdog;
    private Semaphore admission;
    /** The read watch of the request the current reading thread is reading. */
    private final ThreadLocal<ConnectionWatchdog.Watch> currentRead = new ThreadLocal<>();
    /** Requests taken and not yet answered (or cut): what stopping waits for. */
    private final AtomicInteger inProgress = new AtomicInteger();

    private final AtomicLong overloaded = new AtomicLong();
    private final AtomicLong connectionsRefused = new AtomicLong();
    private volatile long lastOverload;
    private volatile boolean stopping;

    ApiServer(
            ApiConfig config,
            ApiTokens tokens,
            IdempotencyKeys idempotency,
            TelemetryReads reads,
            LiveReads live,
            IngressPublisher publisher,
            MeterRegistry meters,
            Clock clock) {
        this.config = config;
        this.tokens = tokens;
        this.idempotency = idempotency;
        this.reads = reads;
        this.live = live;
        this.publisher = publisher;
        this.meters = meters;
        this.clock = clock;
        this.decoder = new MeasurementDecoder(config.getInt(ApiConfig.MAX_READINGS), clock);
        this.openApi = OpenApiDocument.bytes();
        this.asyncApi = io.fieldline.app.contract.AsyncApiDocument.json();
        this.fallbacks = Counter.builder(METER_FALLBACKS)
                .description("Reads of live values, KPIs or active alerts answered from PostgreSQL because Redis "
                        + "could not answer")
                .register(meters);
        this.liveValues = new LiveValues(live, reads, fallbacks, meters);
    }

    /** Binds and starts serving. */
    void start(String host, int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(host, port), 64);
        int threads = config.getInt(ApiConfig.THREADS);
        int queue = config.getInt(ApiConfig.QUEUE_SIZE);
        int readThreads = config.getInt(ApiConfig.READ_THREADS);
        watchdog = new ConnectionWatchdog(
                Duration.ofMillis(config.getLong(ApiConfig.REQUEST_TIMEOUT_MS)),
                Duration.ofMillis(config.getLong(ApiConfig.RESPONSE_TIMEOUT_MS)),
                meters);
        Counter noReadingThread = ConnectionWatchdog.dropped(meters, ConnectionWatchdog.REASON_NO_READING_THREAD);
        // The request threads' queue is unbounded, but only answers of POSTs Kafka acknowledged enter it without a
        // permit of the admission semaphore: new requests are bounded by it.
        workers = pool(threads, new LinkedBlockingQueue<>(), "fieldline-api-http");
        admission = new Semaphore(threads + queue);
        readers = pool(
                readThreads,
                queue == 0 ? new SynchronousQueue<>() : new LinkedBlockingQueue<>(queue),
                "fieldline-api-read");
        server.setExecutor(task -> {
            try {
                readers.execute(() -> read(task));
            } catch (RejectedExecutionException e) {
                // The JDK closes the connection unanswered: every reading thread is busy and the queue full.
                connectionsRefused.incrementAndGet();
                noReadingThread.increment();
                lastOverload = System.nanoTime();
                LOG.debug("API connection refused: all {} reading threads busy", readThreads);
                throw e;
            }
        });
        server.createContext("/", this::serve);
        server.start();
        LOG.info("HTTP API on {}", url());
    }

    private static ThreadPoolExecutor pool(int threads, BlockingQueue<Runnable> queue, String name) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, queue, runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** Runs one of the JDK server's exchanges (it reads the request line and headers) under a read watch. */
    private void read(Runnable exchange) {
        ConnectionWatchdog.Watch watch = watchdog.watch(ConnectionWatchdog.Phase.READ);
        currentRead.set(watch);
        try {
            exchange.run();
        } finally {
            currentRead.remove();
            watch.close();
        }
    }

    /**
     * Why the API is overloaded, when it refused a request with 503 in the last 10 seconds or every request thread is
     * taken with {@code api.queue.size} requests waiting; else null.
     */
    String overload() {
        if (admission == null) {
            return null;
        }
        boolean full = admission.availablePermits() == 0;
        long refused = overloaded.get();
        long closed = connectionsRefused.get();
        boolean recent = refused + closed > 0 && System.nanoTime() - lastOverload < OVERLOAD_REPORTED_NANOS;
        if (!full && !recent) {
            return null;
        }
        return "overloaded: " + (full ? "every request thread busy and the queue full; " : "")
                + refused + " request(s) answered 503 and " + closed + " connection(s) closed unanswered (every "
                + "reading thread busy) since the start (api.threads " + config.getInt(ApiConfig.THREADS)
                + ", api.read.threads " + config.getInt(ApiConfig.READ_THREADS) + ", api.queue.size "
                + config.getInt(ApiConfig.QUEUE_SIZE) + ")";
    }

    /** The base URL, {@code http://host:port}. */
    public String url() {
        InetSocketAddress address = server.getAddress();
        String host = address.getAddress().isAnyLocalAddress()
                ? "127.0.0.1"
                : address.getAddress().getHostAddress();
        return "http://" + host + ":" + address.getPort();
    }

    /** Whether live values are read from PostgreSQL because Redis failed; probes Redis again when due. */
    boolean degraded() {
        live.probeIfDue();
        return live.degraded();
    }

    String liveError() {
        return live.lastError();
    }

    // --- plumbing

    /** A request's body, read by the reading thread: the bytes, or the problem reading them met. */
    private record RequestBody(byte[] bytes, ApiProblem problem) {
        static final RequestBody NONE = new RequestBody(new byte[0], null);

        byte[] get() {
            if (problem != null) {
                throw problem;
            }
            return bytes;
        }
    }

    /**
     * On a reading thread, under its read watch: routes the request and reads a POST's body, then hands it to a
     * request thread, or answers 503 when {@code api.queue.size} requests wait for one already. Answers that need no
     * request thread (404, 405, 503) are written from here.
     */
    private void serve(HttpExchange exchange) throws IOException {
        long start = System.nanoTime();
        inProgress.incrementAndGet();
        String method = exchange.getRequestMethod();
        ConnectionWatchdog.Watch read = currentRead.get();
        ApiRoute route = null;
        Map<String, String> path = null;
        Response response = null;
        try {
            List<String> segments = segments(exchange.getRequestURI().getRawPath());
            List<String> allowed = new ArrayList<>();
            for (ApiRoute candidate : ApiRoute.values()) {
                Map<String, String> params = candidate.match(segments);
                if (params != null) {
                    allowed.add(candidate.method());
                    if (candidate.method().equals("GET")) {
                        allowed.add("HEAD");
                    }
                    if (candidate.method().equals(method)
                            || (method.equals("HEAD") && candidate.method().equals("GET"))) {
                        route = candidate;
                        path = params;
                    }
                }
            }
            if (route == null) {
                if (!allowed.isEmpty()) {
                    response = problem(
                            new ApiProblem(
                                    405,
                                    "method-not-allowed",
                                    "Method not allowed",
                                    method + " is not allowed here; allowed: " + String.join(", ", allowed)),
                            exchange);
                    response = withHeader(response, "Allow", String.join(", ", allowed));
                } else {
                    response = problem(
                            ApiProblem.notFound(
                                    "no route " + exchange.getRequestURI().getPath() + "; see /openapi.json"),
                            exchange);
                }
            } else if (stopping) {
                response = stoppingResponse(exchange);
            }
        } catch (ApiProblem problem) {
            response = problem(problem, exchange);
        } catch (RuntimeException e) {
            response = internal(exchange, e);
        }
        String routeTag = route == null ? "unmatched" : route.template();
        RequestBody body = RequestBody.NONE;
        // Whether the request's body is left unread: its answer then closes the connection (see send).
        boolean unread = false;
        if (response == null) {
            // A refused request's body is still read (and dropped) when it is within api.max.body.bytes, so that
            // the connection can be kept and the answer is not lost to a reset; a larger one is left unread.
            ApiProblem refused = refused(exchange, route);
            body = readBody(exchange, refused == null && route.method().equals("POST"));
            if (body.problem() != null) {
                response = problem(refused != null ? refused : body.problem(), exchange);
                unread = true;
            } else if (refused != null) {
                response = problem(refused, exchange);
            }
        } else if (hasBody(exchange)) {
            unread = readBody(exchange, false).problem() != null;
        }
        if (read != null && read.end()) {
            // The watchdog cut the request while it was read (the connection is closed, or was about to be):
            // nobody to answer. Thrown out of the handler so that the JDK's server closes the connection itself
            // and forgets it (ServerImpl.closeConnection), which closing the exchange would not.
            inProgress.decrementAndGet();
            throw new IOException("request not read within api.request.timeout.ms");
        }
        if (response != null) {
            finish(exchange, start, routeTag, method, response, unread);
            return;
        }
        if (!admission.tryAcquire()) {
            overloaded.incrementAndGet();
            lastOverload = System.nanoTime();
            finish(
                    exchange,
                    start,
                    routeTag,
                    method,
                    withHeader(
                            problem(
                                    new ApiProblem(
                                            503,
                                            "overloaded",
                                            "Overloaded",
                                            "every request thread is busy and " + config.getInt(ApiConfig.QUEUE_SIZE)
                                                    + " requests wait for one; retry after a second"),
                                    exchange),
                            "Retry-After",
                            "1"));
            return;
        }
        ApiRoute routed = route;
        Map<String, String> params = path;
        RequestBody read0 = body;
        try {
            workers.execute(() -> {
                try {
                    process(exchange, start, routed, params, read0);
                } finally {
                    admission.release();
                }
            });
        } catch (RejectedExecutionException e) {
            admission.release();
            finish(exchange, start, routeTag, method, stoppingResponse(exchange));
        }
    }

    /** On a request thread: handles the request, and answers now or once the answer is known (a POST's). */
    private void process(
            HttpExchange exchange, long start, ApiRoute route, Map<String, String> path, RequestBody body) {
        String method = exchange.getRequestMethod();
        CompletableFuture<Response> answer;
        try {
            answer = handle(route, path, exchange, body);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        if (answer.isDone()) {
            Response response;
            try {
                response = answer.join();
            } catch (CompletionException | java.util.concurrent.CancellationException e) {
                response = failure(e, exchange);
            }
            finish(exchange, start, route.template(), method, response);
            return;
        }
        answer.whenCompleteAsync(
                (response, error) -> finish(
                        exchange,
                        start,
                        route.template(),
                        method,
                        response != null ? response : failure(error, exchange)),
                workers);
    }

    /** How long a POST waits for Kafka's answer before it is answered 503: the delivery timeout plus 5 s. */
    private long ingestWaitMs() {
        return config.getInt(ApiConfig.KAFKA_DELIVERY_TIMEOUT_MS) + 5_000L;
    }

    /** The answer to a request that ended with an exception: its problem, 503 when a POST's wait ran out, or 500. */
    private Response failure(Throwable error, HttpExchange exchange) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof ApiProblem problem) {
            return problem(problem, exchange);
        }
        if (cause instanceof java.util.concurrent.TimeoutException) {
            return problem(
                    ApiProblem.unavailable("Kafka did not acknowledge the readings within " + ingestWaitMs()
                            + " ms; retry with the same Idempotency-Key"),
                    exchange);
        }
        return internal(exchange, cause);
    }

    private Response internal(HttpExchange exchange, Throwable e) {
        LOG.warn(
                "API request {} {} failed",
                exchange.getRequestMethod(),
                exchange.getRequestURI().getPath(),
                e);
        return problem(new ApiProblem(500, "internal", "Internal error", "see the server's log"), exchange);
    }

    private Response stoppingResponse(HttpExchange exchange) {
        Response response = problem(ApiProblem.unavailable("this API instance is stopping; retry"), exchange);
        return withHeader(withHeader(response, "Retry-After", "1"), "Connection", "close");
    }

    /** Writes the answer under a write watch, counts it, and ends the request. */
    private void finish(HttpExchange exchange, long start, String routeTag, String method, Response response) {
        finish(exchange, start, routeTag, method, response, false);
    }

    /**
     * Writes the answer under a write watch, counts it, and ends the request; {@code unread}: the request's body was
     * not read whole, and the connection is closed after the answer (see {@link #send}).
     */
    private void finish(
            HttpExchange exchange, long start, String routeTag, String method, Response response, boolean unread) {
        ConnectionWatchdog.Watch write = watchdog.watch(ConnectionWatchdog.Phase.WRITE);
        try {
            send(exchange, unread ? withHeader(response, "Connection", "close") : response, unread);
        } finally {
            write.close();
            inProgress.decrementAndGet();
        }
        String methodTag = methodTag(method);
        meters.counter(
                        METER_REQUESTS,
                        "route",
                        routeTag,
                        "method",
                        methodTag,
                        "status",
                        Integer.toString(response.status()))
                .increment();
        Timer.builder(METER_DURATION)
                .description("Time from a request's arrival to its answer (a POST includes Kafka's acknowledgement)")
                .tags("route", routeTag, "method", methodTag)
                .register(meters)
                .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }

    /**
     * The method as a meter tag: one of the standard verbs, else {@code other}, so that clients (authenticated or not)
     * cannot create a meter per made-up method.
     */
    static String methodTag(String method) {
        return method != null && KNOWN_METHODS.contains(method) ? method : "other";
    }

    private CompletableFuture<Response> handle(
            ApiRoute route, Map<String, String> path, HttpExchange exchange, RequestBody read) {
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery(), route);
        ApiTokens.Token token = null;
        if (route.scope() != null) {
            token = authenticate(exchange.getRequestHeaders(), route.scope());
        }
        byte[] body = new byte[0];
        if (route.method().equals("POST")) {
            String type = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Content-Type"))
                    .orElse("");
            if (!type.toLowerCase(java.util.Locale.ROOT).startsWith(JSON_TYPE)) {
                throw new ApiProblem(
                        415, "unsupported-media-type", "Unsupported media type", "send Content-Type: " + JSON_TYPE);
            }
            body = read.get();
        }
        Request request = new Request(route, path, query, body, token, exchange.getRequestHeaders());
        String rawPath = exchange.getRequestURI().getRawPath();
        try {
            if (route == ApiRoute.INGEST) {
                return ingest(request);
            }
            Response response = switch (route) {
                case LIST_FACILITIES -> list(reads.facilities(page(query)), page(query));
                case LIST_ROOMS -> list(reads.rooms(query.get("facility"), page(query)), page(query));
                case LIST_DEVICES ->
                    list(reads.devices(query.get("facility"), query.get("room"), page(query)), page(query));
                case GET_DEVICE -> Response.json(200, reads.device(path.get("deviceId")));
                case LIST_SENSORS -> list(reads.sensors(path.get("deviceId"), page(query)), page(query));
                case DEVICE_LATEST -> deviceLatest(path.get("deviceId"), query, rawPath);
                case SERIES -> series(path.get("deviceId"), path.get("sensor"), query, rawPath);
                case ROOM_LATEST -> roomLatest(path.get("roomId"), query, rawPath);
                case ROOM_KPIS -> roomKpis(path.get("roomId"), query, rawPath);
                case ROOM_KPI_HISTORY -> kpiHistory(path.get("roomId"), query, rawPath);
                case ROOM_DAILY -> roomDaily(path.get("roomId"), query, rawPath);
                case ACTIVE_ALERTS -> activeAlerts(query, rawPath);
                case ALERT_HISTORY -> alertHistory(query, rawPath);
                case INGEST -> throw new IllegalStateException("answered asynchronously, above");
                case OPENAPI -> new Response(200, JSON_TYPE, new String(openApi, StandardCharsets.UTF_8), Map.of());
                case ASYNCAPI -> new Response(200, JSON_TYPE, asyncApi, Map.of());
            };
            return CompletableFuture.completedFuture(response);
        } catch (SQLException e) {
            throw databaseProblem(route.template(), e);
        }
    }

    private ApiTokens.Token authenticate(Headers headers, ApiTokens.Scope scope) {
        String authorization = headers.getFirst("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiProblem(
                    401,
                    "unauthorized",
                    "Unauthorized",
                    "send a token as Authorization: Bearer <token> (fieldline tokens create)");
        }
        Optional<ApiTokens.Token> token;
        try {
            token = tokens.authenticate(authorization.substring(7).trim());
        } catch (SQLException e) {
            throw databaseProblem("the token check", e);
        }
        if (token.isEmpty()) {
            throw new ApiProblem(401, "unauthorized", "Unauthorized", "unknown or revoked token");
        }
        if (token.get().scope() != scope) {
            throw new ApiProblem(
                    403,
                    "forbidden",
                    "Forbidden",
                    "this token's scope is " + token.get().scope().text() + "; this route needs " + scope.text());
        }
        return token.get();
    }

    /** PostgreSQL's SQLSTATE for a missing table: the sink's migrations have not run on this database. */
    private static final String UNDEFINED_TABLE = "42P01";

    /** 503, saying why without the database's own words (logged instead). */
    private static ApiProblem databaseProblem(String what, SQLException e) {
        LOG.warn("API database access for {} failed: {}", what, e.toString());
        if (UNDEFINED_TABLE.equals(e.getSQLState())) {
            return ApiProblem.unavailable("the Fieldline tables are not in the database yet: the PostgreSQL sink "
                    + "applies the migrations when it starts");
        }
        return ApiProblem.unavailable("the database did not answer; retry later");
    }

    /**
     * On the reading thread, before the body is read: the answer to a POST without a bearer token (401) or not JSON
     * (415); else null. Such a request is answered by the reading thread, never a request thread. A token that is
     * present is checked by the request thread (a database read), once the body is read.
     */
    private static ApiProblem refused(HttpExchange exchange, ApiRoute route) {
        if (!route.method().equals("POST")) {
            return null;
        }
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (route.scope() != null
                && (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7))) {
            return new ApiProblem(
                    401,
                    "unauthorized",
                    "Unauthorized",
                    "send a token as Authorization: Bearer <token> (fieldline tokens create)");
        }
        String type = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Content-Type"))
                .orElse("");
        if (!type.toLowerCase(java.util.Locale.ROOT).startsWith(JSON_TYPE)) {
            return new ApiProblem(
                    415, "unsupported-media-type", "Unsupported media type", "send Content-Type: " + JSON_TYPE);
        }
        return null;
    }

    /**
     * On the reading thread: the request's body, read whole (a GET's is read and dropped), or the problem that left
     * it unread (413 past {@code api.max.body.bytes}, 400 unreadable), which the reading thread answers.
     */
    private RequestBody readBody(HttpExchange exchange, boolean keep) {
        try {
            byte[] bytes = body(exchange);
            return keep ? new RequestBody(bytes, null) : RequestBody.NONE;
        } catch (ApiProblem problem) {
            return new RequestBody(null, problem);
        }
    }

    private byte[] body(HttpExchange exchange) {
        int max = config.getInt(ApiConfig.MAX_BODY_BYTES);
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        ApiProblem tooLarge = new ApiProblem(
                413, "body-too-large", "Request body too large", "at most " + max + " bytes (api.max.body.bytes)");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > max) {
                    throw tooLarge;
                }
            } catch (NumberFormatException e) {
                throw ApiProblem.invalid("Content-Length", "not a number");
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(max + 1);
            if (bytes.length > max) {
                throw tooLarge;
            }
            return bytes;
        } catch (IOException e) {
            throw ApiProblem.invalid("", "the body could not be read: " + e.getMessage());
        }
    }

    private static List<String> segments(String rawPath) {
        List<String> segments = new ArrayList<>();
        String trimmed = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
        for (String segment : trimmed.split("/", -1)) {
            segments.add(URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
        }
        return segments;
    }

    private static Map<String, String> query(String raw, ApiRoute route) {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (!route.parameters().contains(name)) {
                throw ApiProblem.invalid(
                        "?" + name,
                        "unknown parameter"
                                + (route.parameters().isEmpty()
                                        ? "; this route takes none"
                                        : "; this route takes " + String.join(", ", route.parameters())));
            }
            if (params.put(name, value) != null) {
                throw ApiProblem.invalid("?" + name, "given twice");
            }
        }
        return params;
    }

    private Page page(Map<String, String> query) {
        int max = config.getInt(ApiConfig.PAGE_MAX);
        int limit = integer(query, "limit", config.getInt(ApiConfig.PAGE_DEFAULT), 1, max);
        int offset = integer(query, "offset", 0, 0, 10_000_000);
        return new Page(limit, offset);
    }

    private static int integer(Map<String, String> query, String name, int fallback, int min, int max) {
        String text = query.get(name);
        if (text == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(text);
            if (value < min || value > max) {
                throw ApiProblem.invalid("?" + name, "must be between " + min + " and " + max);
            }
            return value;
        } catch (NumberFormatException e) {
            throw ApiProblem.invalid("?" + name, "must be an integer between " + min + " and " + max);
        }
    }

    /**
     * The instants {@code from} and {@code to} may take: years 1 to 9999 (ISO-8601 without a sign; PostgreSQL stores
     * them), so that no value reaches the database or date arithmetic outside what they handle.
     */
    static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");

    static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    private Instant[] range(Map<String, String> query) {
        Instant to = instant(query, "to");
        Instant from = instant(query, "from");
        // A defaulted end stays within the bounds: a range near them is shorter than the default, not refused.
        if (to == null) {
            to = from == null ? clock.instant() : min(from.plus(DEFAULT_RANGE), LATEST);
        }
        if (from == null) {
            from = max(to.minus(DEFAULT_RANGE), EARLIEST);
        }
        if (!from.isBefore(to)) {
            throw ApiProblem.invalid("?from", "must be before to");
        }
        return new Instant[] {from, to};
    }

    private static Instant instant(Map<String, String> query, String name) {
        String text = query.get(name);
        if (text == null) {
            return null;
        }
        Instant instant;
        try {
            instant = Instant.parse(text);
        } catch (java.time.DateTimeException e) {
            throw ApiProblem.invalid("?" + name, "must be an ISO-8601 instant such as 2026-01-31T12:00:00Z");
        }
        if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
            throw ApiProblem.invalid("?" + name, "must be between " + EARLIEST + " and " + LATEST);
        }
        return instant;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static Response list(List<Map<String, Object>> rows, Page page) {
        return Response.json(200, page.document(rows, null));
    }

    private Response problem(ApiProblem problem, HttpExchange exchange) {
        Response response = new Response(
                problem.status(),
                PROBLEM_JSON,
                write(problem.document(exchange.getRequestURI().getPath())),
                Map.of());
        if (problem.status() == 401) {
            response = withHeader(response, "WWW-Authenticate", "Bearer realm=\"fieldline\"");
        }
        return response;
    }

    private static Response withHeader(Response response, String name, String value) {
        Map<String, String> headers = new LinkedHashMap<>(response.headers());
        headers.put(name, value);
        return new Response(response.status(), response.contentType(), response.body(), headers);
    }

    /**
     * Writes the answer and ends the exchange. Ending it, the JDK reads and discards what is left of the request's
     * body (up to 64 KiB, {@code sun.net.httpserver.drainAmount}) on the calling thread, blocking while the client
     * sends nothing. With {@code unread} (a body refused unread, on a reading thread) that wait is bounded by a short
     * {@linkplain ConnectionWatchdog.Phase#DRAIN drain watch}: the answer is written and flushed first, then a client
     * that sent its body has it discarded (so that it reads the answer rather than a reset), and one that sends
     * nothing has its connection closed once the watch ends; the answer says {@code Connection: close}.
     */
    private void send(HttpExchange exchange, Response response, boolean unread) {
        OutputStream out = null;
        try {
            byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", response.contentType());
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            response.headers()
                    .forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
            if ("HEAD".equals(exchange.getRequestMethod())) {
                // As GET, without the body: the JDK sends no Content-Length for HEAD unless it is set here.
                exchange.getResponseHeaders().set("Content-Length", Integer.toString(bytes.length));
                exchange.sendResponseHeaders(response.status(), -1);
            } else {
                exchange.sendResponseHeaders(response.status(), bytes.length);
                out = exchange.getResponseBody();
                out.write(bytes);
                out.flush();
            }
        } catch (IOException e) {
            LOG.debug("Could not answer {}: {}", exchange.getRequestURI(), e.toString());
        } finally {
            ConnectionWatchdog.Watch drain = unread ? watchdog.watch(ConnectionWatchdog.Phase.DRAIN) : null;
            try {
                if (out != null) {
                    // Closing the body stream discards the request's leftover, then hands the connection back.
                    out.close();
                }
                exchange.close();
            } catch (IOException | RuntimeException e) {
                LOG.debug("Closing an API exchange: {}", e.toString());
            } finally {
                if (drain != null) {
                    drain.close();
                }
            }
        }
    }

    /** Whether a request says it has a body (a Content-Length other than 0, or a Transfer-Encoding). */
    private static boolean hasBody(HttpExchange exchange) {
        Headers headers = exchange.getRequestHeaders();
        String length = headers.getFirst("Content-Length");
        return headers.containsKey("Transfer-Encoding")
                || (length != null && !length.trim().equals("0"));
    }

    static String write(Object document) {
        try {
            return JSON.writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the response", e);
        }
    }

    // --- handlers

    /** A live list's page, its {@code after} cursor (see {@link LiveValues}) and what {@code page.next} is built from. */
    private LiveValues.Request liveRequest(Map<String, String> query, String rawPath) {
        return new LiveValues.Request(page(query), query.get("after"), rawPath, query);
    }

    private Response deviceLatest(String deviceId, Map<String, String> query, String rawPath) throws SQLException {
        return Response.json(200, liveValues.deviceLatest(deviceId, liveRequest(query, rawPath)));
    }

    private Response roomLatest(String room, Map<String, String> query, String rawPath) throws SQLException {
        return Response.json(200, liveValues.roomLatest(room, liveRequest(query, rawPath)));
    }

    private Response roomKpis(String room, Map<String, String> query, String rawPath) throws SQLException {
        return Response.json(200, liveValues.roomKpis(room, liveRequest(query, rawPath)));
    }

    private Response activeAlerts(Map<String, String> query, String rawPath) throws SQLException {
        String severity = upper(query.get("severity"), "severity", List.of("INFO", "WARNING", "CRITICAL"));
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("facilityId", query.get("facility"));
        fields.put("roomId", query.get("room"));
        fields.put("deviceId", query.get("device"));
        fields.put("severity", severity);
        return Response.json(
                200,
                liveValues.activeAlerts(
                        query.get("facility"),
                        query.get("room"),
                        fields,
                        List.of(
                                new TelemetryReads.Filter("site", query.get("facility")),
                                new TelemetryReads.Filter("room", query.get("room")),
                                new TelemetryReads.Filter("device_id", query.get("device")),
                                new TelemetryReads.Filter("severity", severity)),
                        liveRequest(query, rawPath)));
    }

    private Response alertHistory(Map<String, String> query, String rawPath) throws SQLException {
        Page page = page(query);
        Instant[] range = range(query);
        List<TelemetryReads.Filter> filters = List.of(
                new TelemetryReads.Filter("site", query.get("facility")),
                new TelemetryReads.Filter("room", query.get("room")),
                new TelemetryReads.Filter("device_id", query.get("device")),
                new TelemetryReads.Filter("sensor", query.get("sensor")),
                new TelemetryReads.Filter(
                        "severity", upper(query.get("severity"), "severity", List.of("INFO", "WARNING", "CRITICAL"))),
                new TelemetryReads.Filter(
                        "state", upper(query.get("state"), "state", List.of("RAISED", "ESCALATED", "CLEARED"))),
                new TelemetryReads.Filter("rule_id", query.get("rule")));
        Map<String, Object> doc = page.document(reads.alertHistory(range[0], range[1], filters, page), null);
        doc.put("from", range[0].toString());
        doc.put("to", range[1].toString());
        return Response.json(200, withNext(doc, rawPath, query, range));
    }

    /**
     * Adds {@code page.next} when there is a next page: this request's path and query with {@code from} and
     * {@code to} pinned to the window this page used (a defaulted {@code to} is now, which moves) and the next
     * offset, so that following it neither skips nor repeats items.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> withNext(
            Map<String, Object> doc, String rawPath, Map<String, String> query, Instant[] range) {
        Map<String, Object> page = (Map<String, Object>) doc.get("page");
        Object nextOffset = page == null ? null : page.get("nextOffset");
        if (nextOffset == null) {
            return doc;
        }
        Map<String, String> next = new LinkedHashMap<>(query);
        next.put("from", range[0].toString());
        next.put("to", range[1].toString());
        next.put("offset", nextOffset.toString());
        page.put("next", LiveValues.link(rawPath, next));
        return doc;
    }

    private static String upper(String value, String name, List<String> allowed) {
        if (value == null) {
            return null;
        }
        String upper = value.toUpperCase(java.util.Locale.ROOT);
        if (!allowed.contains(upper)) {
            throw ApiProblem.invalid("?" + name, "must be one of " + String.join(", ", allowed));
        }
        return upper;
    }

    private Response series(String deviceId, String sensor, Map<String, String> query, String rawPath)
            throws SQLException {
        Page page = page(query);
        Instant[] range = range(query);
        TelemetryReads.Resolution resolution = query.containsKey("resolution")
                ? TelemetryReads.Resolution.parse(query.get("resolution"))
                : TelemetryReads.Resolution.fitting(range[0], range[1]);
        resolution.check(range[0], range[1]);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("deviceId", deviceId);
        doc.put("sensor", sensor);
        doc.put("resolution", resolution.text);
        doc.put("from", range[0].toString());
        doc.put("to", range[1].toString());
        doc.putAll(page.document(reads.series(deviceId, sensor, resolution, range[0], range[1], page), null));
        return Response.json(200, withNext(doc, rawPath, query, range));
    }

    private Response kpiHistory(String room, Map<String, String> query, String rawPath) throws SQLException {
        Page page = page(query);
        Instant[] range = range(query);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("roomId", room);
        doc.put("from", range[0].toString());
        doc.put("to", range[1].toString());
        doc.putAll(page.document(reads.kpiHistory(room, query.get("name"), range[0], range[1], page), null));
        return Response.json(200, withNext(doc, rawPath, query, range));
    }

    private Response roomDaily(String room, Map<String, String> query, String rawPath) throws SQLException {
        Page page = page(query);
        Map<String, String> defaults = new LinkedHashMap<>(query);
        if (!query.containsKey("from") && !query.containsKey("to")) {
            Instant today = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.DAYS);
            defaults.put("from", today.minus(Duration.ofDays(30)).toString());
            defaults.put("to", today.plus(Duration.ofDays(1)).toString());
        }
        Instant[] range = range(defaults);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("roomId", room);
        doc.put("from", range[0].toString());
        doc.put("to", range[1].toString());
        doc.putAll(page.document(reads.roomDaily(room, range[0], range[1], page), null));
        return Response.json(200, withNext(doc, rawPath, query, range));
    }

    /** An idempotency key claimed by the request in progress: its answer is stored on it, or it is released. */
    private record HeldClaim(long tokenId, String key, String hash) {}

    /**
     * {@code POST /api/v1/measurements}: the request is decoded whole, its readings published, and it is answered
     * from the publish future's completion, so that no thread waits for Kafka's acknowledgement; if Kafka has not
     * answered within the delivery timeout plus 5 s, the answer is 503.
     *
     * <p>With an Idempotency-Key the request runs once per key and token: the first claims the key; a retry of the
     * same request gets the first answer, with another request 422; while the first is in progress, 409. The claim
     * follows what Kafka did with the readings, not the HTTP answer: acknowledged, the 202 is stored on it;
     * dead-lettered, the 422; refused (the publisher failed), it is released so that a retry runs again. When that is
     * not known (the wait ran out, or the API stopped before Kafka answered) the claim is kept, and lapses with its
     * in-progress time, since Kafka may still take the readings.
     */
    private CompletableFuture<Response> ingest(Request request) throws SQLException {
        HeldClaim claim = null;
        String key = request.headers().getFirst("Idempotency-Key");
        if (key != null) {
            if (!IDEMPOTENCY_KEY.matcher(key).matches()) {
                throw ApiProblem.invalid("Idempotency-Key", "must be 1 to 255 visible ASCII characters");
            }
            String hash = requestHash(request);
            long tokenId = request.token().id();
            IdempotencyKeys.Claim found = idempotency.claim(tokenId, key, hash);
            if (found instanceof IdempotencyKeys.Replay replay) {
                IdempotencyKeys.Stored stored = replay.response();
                return CompletableFuture.completedFuture(new Response(
                        stored.status(), stored.contentType(), stored.body(), Map.of("Idempotent-Replayed", "true")));
            }
            if (found instanceof IdempotencyKeys.InProgress) {
                throw new ApiProblem(
                        409,
                        "idempotency-key-in-use",
                        "Request in progress",
                        "a request with this Idempotency-Key is being processed; retry later");
            }
            if (found instanceof IdempotencyKeys.OtherRequest) {
                throw new ApiProblem(
                        422,
                        "idempotency-key-reused",
                        "Idempotency-Key reused",
                        "this Idempotency-Key was used with another request; use a new key for a new request");
            }
            claim = new HeldClaim(tokenId, key, hash);
        }
        String instance = request.route().template();
        CompletableFuture<IngressPublisher.Outcome> published;
        int readings;
        try {
            List<Reading> decoded = decoder.decode(request.body());
            readings = decoded.size();
            published = publish(request, decoded);
        } catch (ApiProblem problem) {
            if (claim != null) {
                if (problem.status() >= 500) {
                    release(claim);
                } else {
                    store(claim, problem.status(), PROBLEM_JSON, write(problem.document(instance)));
                }
            }
            throw problem;
        } catch (RuntimeException e) {
            // Nothing was handed to Kafka: the request failed for good.
            if (claim != null) {
                release(claim);
            }
            throw e;
        }
        CompletableFuture<Response> answer = new CompletableFuture<>();
        HeldClaim held = claim;
        int count = readings;
        // Off the producer's I/O thread: storing the answer is a database write.
        published.whenCompleteAsync(
                (outcome, error) -> {
                    try {
                        answer.complete(settle(held, outcome, error, count, instance));
                    } catch (RuntimeException e) {
                        answer.completeExceptionally(e);
                    }
                },
                workers);
        // Completes the answer with a TimeoutException (503, see failure) unless it is answered first; the timer is
        // cancelled once it is.
        return answer.orTimeout(ingestWaitMs(), TimeUnit.MILLISECONDS);
    }

    private CompletableFuture<IngressPublisher.Outcome> publish(Request request, List<Reading> readings) {
        IngressPublisher.Batch batch = publisher.batch(Origin.message(
                "http:" + ApiRoute.INGEST.template(),
                null,
                request.body(),
                List.of(new RecordHeader(
                        "fieldline.http.token.id",
                        Long.toString(request.token().id()).getBytes(StandardCharsets.UTF_8)))));
        readings.forEach(batch::reading);
        return batch.seal();
    }

    /** What Kafka did with a request's readings: the answer, and the claim stored or released accordingly. */
    private Response settle(
            HeldClaim claim, IngressPublisher.Outcome outcome, Throwable error, int readings, String instance) {
        if (error != null) {
            Throwable cause =
                    error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            LOG.warn("Ingest of {} readings failed: {}", readings, cause.toString());
            if (claim != null) {
                if (stopping) {
                    // The publisher is being closed under the request: Kafka may have taken the readings.
                    LOG.info(
                            "The idempotency claim of a request of token {} is kept until it lapses: the API stopped "
                                    + "before Kafka answered",
                            claim.tokenId());
                } else if (nothingWritten(cause)) {
                    releaseQuietly(claim);
                } else {
                    LOG.info(
                            "The idempotency claim of a request of token {} is kept until it lapses: Kafka may hold "
                                    + "some of its readings ({})",
                            claim.tokenId(),
                            cause.toString());
                }
            }
            throw ApiProblem.unavailable("Kafka did not take the readings"
                    + (cause instanceof IngressFailedException ? " (the publisher failed and is restarting)" : "")
                    + "; retry with the same Idempotency-Key");
        }
        if (outcome.deadLettered()) {
            ApiProblem problem = new ApiProblem(
                    422,
                    "rejected-by-kafka",
                    "Rejected by Kafka",
                    "Kafka refused a reading of the request (" + outcome.deadLetter() + "); the request went to "
                            + "the dead-letter topic, and its readings before that one may have been stored");
            if (claim != null) {
                store(claim, problem.status(), PROBLEM_JSON, write(problem.document(instance)));
            }
            throw problem;
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("accepted", outcome.records());
        Response response = Response.json(202, doc);
        if (claim != null) {
            store(claim, response.status(), response.contentType(), response.body());
        }
        return response;
    }

    /**
     * Whether a failed publish certainly left nothing of the request in Kafka, so that its idempotency claim may be
     * released and a retry publish again: no reading acknowledged, and every reading that failed failed before the
     * producer took it (see {@link IngressFailedException#nothingWritten()}). A reading that timed out after it was
     * sent may have been written, and readings before it may have been acknowledged: then the claim is kept.
     */
    static boolean nothingWritten(Throwable cause) {
        return cause instanceof IngressFailedException failed && failed.acknowledged() == 0 && failed.nothingWritten();
    }

    private void release(HeldClaim claim) throws SQLException {
        idempotency.release(claim.tokenId(), claim.key(), claim.hash());
    }

    private void releaseQuietly(HeldClaim claim) {
        try {
            release(claim);
        } catch (SQLException | RuntimeException e) {
            LOG.warn(
                    "The idempotency claim of a failed request of token {} could not be released (it lapses): {}",
                    claim.tokenId(),
                    e.toString());
        }
    }

    private void store(HeldClaim claim, int status, String contentType, String body) {
        store(claim.tokenId(), claim.key(), claim.hash(), status, contentType, body);
    }

    /**
     * Keeps the answer of a claimed key. When that fails, the request has been done already (Kafka acknowledged its
     * readings): it is logged and the client still gets its answer; its claim expires and a retry after that
     * publishes again, rather than every client retrying an answer of 503 at once.
     */
    private void store(long tokenId, String key, String hash, int status, String contentType, String body) {
        try {
            if (!idempotency.complete(tokenId, key, hash, new IdempotencyKeys.Stored(status, contentType, body))) {
                LOG.warn(
                        "The answer to an idempotent request of token {} was not kept: its claim had expired", tokenId);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn(
                    "The answer ({}) to an idempotent request of token {} could not be kept: {}",
                    status,
                    tokenId,
                    e.toString());
        }
    }

    private static String requestHash(Request request) {
        byte[] head = (request.route().method() + " " + request.route().template() + " " + request.path() + "\n")
                .getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + request.body().length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(request.body(), 0, all, head.length, request.body().length);
        return ApiTokens.sha256(all);
    }

    /**
     * Stops: new requests are answered 503 (stopping) and the listening socket is closed; requests in progress (a POST
     * waiting for Kafka's acknowledgement) get up to {@code api.stop.drain.ms} to be answered; then every connection
     * is closed. A POST cut then keeps its idempotency claim (see {@link #ingest}).
     */
    @Override
    public void close() {
        if (server == null) {
            return;
        }
        stopping = true;
        long drainMs = config.getLong(ApiConfig.STOP_DRAIN_MS);
        // The JDK server's stop(delay) closes the listening socket at once, then waits until its last exchange ended
        // or the delay passed; with none in progress it would wait the whole delay, so it gets none then.
        int delay = inProgress.get() == 0 ? 0 : (int) Math.max(1, (drainMs + 999) / 1000);
        HttpServer stopped = server;
        Thread stopper = new Thread(() -> stopped.stop(delay), "fieldline-api-stop");
        stopper.setDaemon(true);
        stopper.start();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMs);
        try {
            while (inProgress.get() > 0 && System.nanoTime() - deadline < 0) {
                Thread.sleep(20);
            }
            int left = inProgress.get();
            if (left > 0) {
                LOG.warn(
                        "{} API request(s) still in progress after {} ms (api.stop.drain.ms): their connections are "
                                + "closed",
                        left,
                        drainMs);
                stopper.join(2_000 + delay * 1_000L);
            } else if (delay == 0) {
                stopper.join(2_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdown();
        readers.shutdownNow();
        try {
            if (!workers.awaitTermination(1, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
        watchdog.close();
    }
}
