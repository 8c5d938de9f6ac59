package io.fieldline.app.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ops HTTP endpoint of a process: {@code /health} (JSON; 200 for UP and DEGRADED, 503 for DOWN),
 * {@code /health/live} (the supervisor is not wedged), {@code /health/ready} (every component started and running)
 * and {@code /metrics} (Prometheus text). Served by the JDK's HTTP server on two threads.
 */
public final class OpsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OpsServer.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What the endpoint serves. */
    public interface Source {
        Map<String, Object> health();

        Status status();

        boolean live();

        boolean ready();
    }

    private final HttpServer server;
    private final ExecutorService executor;

    private OpsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds and starts the endpoint. */
    public static OpsServer start(String host, int port, Source source, PrometheusMeterRegistry meters)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
        ExecutorService executor = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "fieldline-ops-http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/health/live", exchange -> answer(exchange, source.live(), "live", "not live"));
        server.createContext("/health/ready", exchange -> answer(exchange, source.ready(), "ready", "not ready"));
        server.createContext("/health", exchange -> {
            if (!exchange.getRequestURI().getPath().equals("/health")) {
                send(exchange, 404, "text/plain", "not found\n");
                return;
            }
            Map<String, Object> doc = source.health();
            int code = Status.DOWN.name().equals(doc.get("status")) ? 503 : 200;
            send(exchange, code, "application/json", JSON.writeValueAsString(doc) + "\n");
        });
        server.createContext(
                "/metrics",
                exchange -> send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", meters.scrape()));
        server.createContext(
                "/", exchange -> send(exchange, 404, "text/plain", "not found: try /health or /metrics\n"));
        server.start();
        OpsServer ops = new OpsServer(server, executor);
        LOG.info("Ops endpoint on {}", ops.url());
        return ops;
    }

    /** The base URL, {@code http://host:port}. */
    public String url() {
        InetSocketAddress address = server.getAddress();
        String host = address.getAddress().isAnyLocalAddress()
                ? "127.0.0.1"
                : address.getAddress().getHostAddress();
        return "http://" + host + ":" + address.getPort();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void answer(HttpExchange exchange, boolean ok, String yes, String no) throws IOException {
        send(exchange, ok ? 200 : 503, "text/plain", (ok ? yes : no) + "\n");
    }

    private static void send(HttpExchange exchange, int code, String type, String body) throws IOException {
        try (exchange) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", type);
            if ("HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(code, -1);
                return;
            }
            exchange.sendResponseHeaders(code, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (RuntimeException e) {
            LOG.warn("Ops request {} failed", exchange.getRequestURI(), e);
            throw e;
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
