package io.fieldline.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Picks TCP ports that are free on the loopback interface. */
public final class LoopbackPort {

    /** The address every embedded server binds to. */
    public static final String HOST = "127.0.0.1";

    private LoopbackPort() {}

    /**
     * Returns a port that was free on 127.0.0.1 a moment ago. The caller binds it soon after; another
     * process could in theory take it in between, which is acceptable for tests and local runs.
     *
     * @return a free port number
     */
    public static int pick() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port on " + HOST, e);
        }
    }
}
