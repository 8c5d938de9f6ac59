package io.fieldline.embedded.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import io.fieldline.core.kafka.KafkaClientConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The registry's request handling on 100,000 generated requests (methods, paths and queries from the API's words
 * and junk, content types, JSON bodies mutated or over the body cap, lying Content-Length headers), driven without a
 * socket against a registry whose store is not open: every request gets a Confluent-style error or an answer, never
 * an unexpected failure (500), and every error carries a message.
 */
class RegistryRequestFuzzTest {

    private static final int MAX_BODY = 4_096;
    private static final String[] SEGMENTS = {
        "subjects", "versions", "schemas", "ids", "config", "mode", "compatibility", "latest", "-1", "1", "0",
        "2147483648", "x", "%2F", "%20", "..", "", "schema", "types", "referencedby", "fuzz-value", "%C3%A9"
    };
    private static final String[] QUERIES = {
        "", "deleted=true", "permanent=true", "normalize=x", "a", "=", "&&", "verbose=1", "deleted=&deleted=false"
    };
    private static final String[] BODIES = {
        "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"R\\\",\\\"fields\\\":[]}\"}",
        "{\"schema\":\"\\\"string\\\"\",\"schemaType\":\"AVRO\"}",
        "{\"compatibility\":\"FULL\"}",
        "{\"schema\":\"{\\\"type\\\":\\\"enum\\\",\\\"name\\\":\\\"E\\\",\\\"symbols\\\":[\\\"A\\\",\\\"A\\\"]}\"}",
        "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"R\\\",\\\"fields\\\":[{\\\"name\\\":\\\"f\\\",\\\"type\\\":\\\"R\\\"}]}\"}"
    };

    static {
        // Every request that reaches the store gets 503 (not started), which the server logs with its stack: 100,000
        // of them would bury the test output.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(SchemaRegistryServer.class))
                .setLevel(ch.qos.logback.classic.Level.ERROR);
    }

    private final ObjectMapper json = new ObjectMapper();
    private final SchemaRegistryServer registry = new SchemaRegistryServer(
            KafkaClientConfig.forBootstrapServers("127.0.0.1:1"),
            "_schemas",
            0,
            SchemaRegistryServer.Security.none().withMaxRequestBytes(MAX_BODY));

    @Property(tries = 100_000)
    void shouldAnswerEveryRequestWithAReasonNeverAFailure(@ForAll("requests") Request request) throws Exception {
        FakeExchange exchange = new FakeExchange(request);
        registry.handle(exchange);
        assertThat(exchange.status)
                .as("status of %s", request)
                .isBetween(200, 599)
                .isNotEqualTo(500);
        if (exchange.status >= 400) {
            JsonNode error = json.readTree(exchange.body.toByteArray());
            assertThat(error.path("error_code").isInt())
                    .as("error_code of %s", request)
                    .isTrue();
            assertThat(error.path("message").asText())
                    .as("message of %s", request)
                    .isNotBlank();
        }
    }

    record Request(String method, String target, String contentType, String contentLength, byte[] body) {
        @Override
        public String toString() {
            return method + " " + target + " (" + contentType + ", " + contentLength + ", " + body.length + " bytes)";
        }
    }

    @Provide
    Arbitrary<Request> requests() {
        // "//..." would be an authority, not a path: the HTTP server refuses such a request line itself.
        Arbitrary<String> path = Arbitraries.of(SEGMENTS)
                .list()
                .ofMaxSize(6)
                .map(s -> "/" + String.join("/", s))
                .map(p -> p.startsWith("//") ? "/x" + p.substring(1) : p);
        Arbitrary<String> target =
                Combinators.combine(path, Arbitraries.of(QUERIES)).as((p, q) -> q.isEmpty() ? p : p + "?" + q);
        Arbitrary<String> method = Arbitraries.of("GET", "POST", "PUT", "DELETE", "PATCH", "get", "HEAD");
        Arbitrary<String> type = Arbitraries.of(
                null,
                "application/vnd.schemaregistry.v1+json",
                "application/json; charset=utf-8",
                "text/plain",
                ";;",
                "application/octet-stream");
        Arbitrary<byte[]> mutated = Combinators.combine(
                        Arbitraries.of(BODIES),
                        Arbitraries.integers().between(0, 120),
                        Arbitraries.strings().withChars("{}[]\":,\\ab1").ofMaxLength(4))
                .as((body, at, insert) -> {
                    int i = Math.min(at, body.length());
                    return (body.substring(0, i) + insert + body.substring(i)).getBytes(StandardCharsets.UTF_8);
                });
        Arbitrary<byte[]> oversized = Arbitraries.integers()
                .between(MAX_BODY - 2, MAX_BODY + 64)
                .map(n -> ("{\"schema\":\"" + "x".repeat(n) + "\"}").getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> raw = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
        Arbitrary<byte[]> body =
                Arbitraries.frequencyOf(Tuple.of(6, mutated), Tuple.of(1, oversized), Tuple.of(2, raw));
        Arbitrary<String> length = Arbitraries.of("true", "absent", "huge", "junk", "negative");
        return Combinators.combine(method, target, type, length, body)
                .as((m, t, c, l, b) -> new Request(
                        m,
                        t,
                        c,
                        switch (l) {
                            case "true" -> Integer.toString(b.length);
                            case "huge" -> "99999999999";
                            case "junk" -> "12abc";
                            case "negative" -> "-5";
                            default -> null;
                        },
                        b));
    }

    /** An exchange without a socket: the request as generated, the response kept. */
    private static final class FakeExchange extends HttpExchange {
        private final Request request;
        private final Headers requestHeaders = new Headers();
        private final Headers responseHeaders = new Headers();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private final InputStream in;
        private int status = -1;

        FakeExchange(Request request) {
            this.request = request;
            if (request.contentType() != null) {
                requestHeaders.set("Content-Type", request.contentType());
            }
            if (request.contentLength() != null) {
                requestHeaders.set("Content-Length", request.contentLength());
            }
            this.in = new ByteArrayInputStream(request.body());
        }

        @Override
        public Headers getRequestHeaders() {
            return requestHeaders;
        }

        @Override
        public Headers getResponseHeaders() {
            return responseHeaders;
        }

        @Override
        public URI getRequestURI() {
            return URI.create(request.target());
        }

        @Override
        public String getRequestMethod() {
            return request.method();
        }

        @Override
        public HttpContext getHttpContext() {
            return null;
        }

        @Override
        public void close() {}

        @Override
        public InputStream getRequestBody() {
            return in;
        }

        @Override
        public OutputStream getResponseBody() {
            return body;
        }

        @Override
        public void sendResponseHeaders(int code, long length) {
            status = code;
        }

        @Override
        public InetSocketAddress getRemoteAddress() {
            return new InetSocketAddress("127.0.0.1", 40000);
        }

        @Override
        public int getResponseCode() {
            return status;
        }

        @Override
        public InetSocketAddress getLocalAddress() {
            return new InetSocketAddress("127.0.0.1", 8081);
        }

        @Override
        public String getProtocol() {
            return "HTTP/1.1";
        }

        @Override
        public Object getAttribute(String name) {
            return null;
        }

        @Override
        public void setAttribute(String name, Object value) {}

        @Override
        public void setStreams(InputStream i, OutputStream o) {}

        @Override
        public HttpPrincipal getPrincipal() {
            return null;
        }
    }
}
