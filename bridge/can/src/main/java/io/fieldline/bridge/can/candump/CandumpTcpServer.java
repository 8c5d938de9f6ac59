package io.fieldline.bridge.can.candump;

import io.fieldline.can.CanFrame;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on a TCP port for candump line streams, so that a CAN host anywhere can feed the bridge with
 * {@code candump -L can0 | nc bridge-host 29536} (or {@code socat}). Any number of senders may be connected at
 * once; each connection is read on its own thread, and the listener is called from one thread at a time.
 * Lines are taken as they arrive (no pacing); lines without a timestamp get none (the bridge then uses the
 * time of receipt). Lines longer than the maximum length are reported malformed with their beginning only and
 * never held whole in memory, so a sender that floods the socket without line breaks costs a fixed buffer and
 * stops nothing.
 */
public final class CandumpTcpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CandumpTcpServer.class);

    private final ServerSocket server;
    private final FrameListener listener;
    private final Object lock = new Object();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final Thread acceptor;
    private final int maxLineLength;
    private volatile boolean closed;

    private CandumpTcpServer(ServerSocket server, FrameListener listener, int maxLineLength) {
        this.server = server;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.maxLineLength = maxLineLength;
        this.acceptor = new Thread(this::acceptLoop, "candump-tcp-accept-" + server.getLocalPort());
        this.acceptor.setDaemon(true);
    }

    /**
     * Binds and starts accepting.
     *
     * @param host address to bind (0.0.0.0 for every interface)
     * @param port port, 0 for a free one
     * @param maxLineLength longest line read whole; longer ones are reported malformed with their beginning
     */
    public static CandumpTcpServer start(String host, int port, FrameListener listener, int maxLineLength)
            throws IOException {
        if (maxLineLength < 1) {
            throw new IllegalArgumentException("maxLineLength must be at least 1, got " + maxLineLength);
        }
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(host, port));
        CandumpTcpServer s = new CandumpTcpServer(socket, listener, maxLineLength);
        s.acceptor.start();
        LOG.info("Listening for candump lines on {}", socket.getLocalSocketAddress());
        return s;
    }

    /** As above, with lines of up to {@link CandumpReplay#DEFAULT_MAX_LINE_LENGTH} characters. */
    public static CandumpTcpServer start(String host, int port, FrameListener listener) throws IOException {
        return start(host, port, listener, CandumpReplay.DEFAULT_MAX_LINE_LENGTH);
    }

    /** The bound port. */
    public int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far. */
    public long acceptedConnections() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                connections.add(socket);
                Thread reader = new Thread(() -> read(socket), "candump-tcp-" + socket.getRemoteSocketAddress());
                reader.setDaemon(true);
                reader.start();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("Accepting candump connections on port {} failed", server.getLocalPort(), e);
                }
                return;
            }
        }
    }

    private void read(Socket socket) {
        String source = "tcp:" + socket.getRemoteSocketAddress();
        LOG.info("candump stream connected from {}", source);
        FrameListener serialized = new FrameListener() {
            @Override
            public void onFrame(CanFrame frame, String src, long line) throws InterruptedException {
                synchronized (lock) {
                    listener.onFrame(frame, src, line);
                }
            }

            @Override
            public void onMalformed(String text, String src, long line, String reason) {
                synchronized (lock) {
                    listener.onMalformed(text, src, line, reason);
                }
            }
        };
        try (socket;
                Reader reader = new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)) {
            CandumpReplay.Result r = CandumpReplay.live(maxLineLength).replay(reader, source, serialized);
            LOG.info("candump stream from {} ended after {} lines ({} malformed)", source, r.lines(), r.malformed());
        } catch (SocketException e) {
            if (!closed) {
                LOG.warn("candump stream from {} broke off", source, e);
            }
        } catch (IOException e) {
            LOG.warn("candump stream from {} failed", source, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            connections.remove(socket);
        }
    }

    /** Stops accepting and closes every open connection. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("Closing the candump listener", e);
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException e) {
                LOG.debug("Closing a candump connection", e);
            }
        }
    }
}
