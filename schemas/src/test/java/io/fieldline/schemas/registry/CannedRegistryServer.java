package io.fieldline.schemas.registry;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A JDK HTTP server on a free loopback port that answers each request with the next canned answer and records
 * what it was asked: a protocol-level stand-in to test our client's side of the Confluent REST API.
 */
final class CannedRegistryServer implements AutoCloseable {

    record Request(String method, String path, String contentType, String accept, String body) {}

    private record Answer(int status, String body) {}

    private final HttpServer server;
    private final BlockingQueue<Answer> answers = new LinkedBlockingQueue<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    CannedRegistryServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            requests.add(new Request(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(),
                    exchange.getRequestHeaders().getFirst("Content-Type"),
                    exchange.getRequestHeaders().getFirst("Accept"),
                    new String(body, StandardCharsets.UTF_8)));
            Answer answer = answers.poll();
            if (answer == null) {
                answer = new Answer(500, "{\"error_code\":50001,\"message\":\"no canned answer left\"}");
            }
            byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
            exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
            try (OutputStream stream = exchange.getResponseBody()) {
                stream.write(out);
            }
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    CannedRegistryServer answer(int status, String body) {
        answers.add(new Answer(status, body));
        return this;
    }

    List<Request> requests() {
        return requests;
    }

    Request onlyRequest() {
        if (requests.size() != 1) {
            throw new AssertionError("expected one request, got " + requests);
        }
        return requests.get(0);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
