package io.fieldline.embedded;

import io.fieldline.core.retry.RetryExhaustedException;
import io.fieldline.core.retry.RetryPolicy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.core.ExecutableProvider;
import redis.embedded.core.RedisServerBuilder;

/**
 * A real Redis server run as a child process from the binary bundled in {@code com.github.codemonstur:embedded-redis}.
 * It binds 127.0.0.1 only, keeps nothing on disk (no RDB snapshots, no append-only file), and comes back on the
 * same port after {@link #stop()} and {@link #start()}, empty. It runs in a session of its own, so a terminal's
 * Ctrl-C reaches only the JVM, which stops it after the components that use it ({@link OwnSession}); it stops with
 * this JVM even when the JVM is killed with SIGKILL ({@link ParentDeathWatchdog}).
 */
public final class RedisServer extends LocalServer implements RedisEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(RedisServer.class);

    private final int port;
    private redis.embedded.RedisServer server;
    private long pid = -1;

    /** A server on a free loopback port with a new temporary working directory, deleted on close. */
    public RedisServer() {
        this(DataDirectory.createTemp("redis"));
    }

    /**
     * A server on a free loopback port.
     *
     * @param dataDir its working directory (created if missing), deleted on {@link #close()}
     */
    public RedisServer(Path dataDir) {
        super(dataDir);
        this.port = LoopbackPort.pick();
    }

    @Override
    public String name() {
        return "redis";
    }

    /** @return the port the server listens on */
    public int port() {
        return port;
    }

    /** @return {@code redis://127.0.0.1:port} */
    @Override
    public String url() {
        return "redis://" + LoopbackPort.HOST + ":" + port;
    }

    /**
     * The library writes the redis-server binary out and executes it at once. When another thread forks a
     * process in between (the stack starts servers in parallel), the child briefly holds the file open for
     * writing and exec fails with ETXTBSY ("Text file busy"). That is transient: five attempts in all.
     */
    static final RetryPolicy TEXT_FILE_BUSY_RETRY = RetryPolicy.exponential(
                    Duration.ofMillis(100), Duration.ofMillis(800), Duration.ZERO)
            .withMaxAttempts(5);

    static boolean isTextFileBusy(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            String message = cause.getMessage();
            if (message != null && (message.contains("error=26") || message.contains("Text file busy"))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized void start() {
        ensureOpen("Redis server");
        if (server != null) {
            return;
        }
        long begin = System.nanoTime();
        redis.embedded.RedisServer starting = startRetryingWhileTextFileBusy(
                () -> {
                    redis.embedded.RedisServer candidate = new RedisServerBuilder()
                            .executableProvider(() -> OwnSession.launcher(
                                    ExecutableProvider.newJarResourceProvider().get(), dataDir, "redis-server.sh"))
                            .port(port)
                            .bind(LoopbackPort.HOST)
                            .setting("dir " + dataDir.toAbsolutePath())
                            .setting("save \"\"")
                            .setting("appendonly no")
                            .setting("daemonize no")
                            .build();
                    candidate.start();
                    return candidate;
                },
                TEXT_FILE_BUSY_RETRY,
                "Redis on port " + port);
        server = starting;
        watchProcess();
        LOG.info("Redis listening on {} in {} ms", url(), (System.nanoTime() - begin) / 1_000_000);
    }

    /** The library stops the server from a shutdown hook, which SIGKILL skips: the watchdog stops it then. */
    private void watchProcess() {
        try {
            pid = processId();
            ParentDeathWatchdog.watch(pid, "TERM");
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot learn the pid of Redis on {}: it will outlive a killed JVM ({})", url(), e.toString());
        }
    }

    /** The server's pid, from {@code INFO server}: exact even with several servers in this JVM. */
    private long processId() throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LoopbackPort.HOST, port), 5000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write("INFO server\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("process_id:")) {
                    return Long.parseLong(line.substring("process_id:".length()).trim());
                }
                if (line.isEmpty() && !in.ready()) {
                    break;
                }
            }
        }
        throw new IOException("no process_id in the reply to INFO server");
    }

    /**
     * Runs {@code start} again while it fails with "Text file busy", as {@code retry} allows.
     *
     * @throws UncheckedIOException  for another I/O failure, or when the policy gives up (the last failure as cause)
     * @throws IllegalStateException when interrupted (the interrupt flag is set again)
     */
    static <T> T startRetryingWhileTextFileBusy(RetryPolicy.Attempt<T> start, RetryPolicy retry, String what) {
        try {
            return retry.call("starting " + what, start, RedisServer::isTextFileBusy);
        } catch (RetryExhaustedException e) {
            LOG.debug("{}: binary still busy after {} attempts", what, e.attempts());
            throw new UncheckedIOException(what + " failed to start", asIOException(e.getCause()));
        } catch (IOException e) {
            throw new UncheckedIOException(what + " failed to start", e);
        } catch (InterruptedException e) {
            throw new IllegalStateException("Interrupted while starting " + what, e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(what + " failed to start", e);
        }
    }

    private static IOException asIOException(Throwable e) {
        return e instanceof IOException io ? io : new IOException(e);
    }

    @Override
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        redis.embedded.RedisServer stopping = server;
        server = null;
        if (pid > 0) {
            ParentDeathWatchdog.forget(pid);
            pid = -1;
        }
        try {
            stopping.stop();
        } catch (IOException e) {
            throw new UncheckedIOException("Redis on port " + port + " did not stop cleanly", e);
        }
        LOG.info("Redis on {} stopped", url());
    }

    @Override
    public synchronized boolean isRunning() {
        return server != null;
    }

    @Override
    public String toString() {
        return "RedisServer[" + url() + "]";
    }
}
