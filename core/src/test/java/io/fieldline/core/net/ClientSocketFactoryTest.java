package io.fieldline.core.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

class ClientSocketFactoryTest {

    @Test
    void shouldBufferInputAndSetNoDelayOnTheSocketsPahoCreates() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket socket = ClientSocketFactory.plain(true).createSocket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 5000);
            try (Socket accepted = server.accept();
                    OutputStream out = accepted.getOutputStream()) {
                out.write(new byte[] {1, 2, 3, 4, 5});
                out.flush();
                InputStream in = socket.getInputStream();
                assertThat(in).isInstanceOf(BufferedInputStream.class).isSameAs(socket.getInputStream());
                assertThat(socket.getTcpNoDelay()).isTrue();
                // Packets are read piecewise, as Paho does: header byte, then the rest.
                assertThat(in.read()).isEqualTo(1);
                assertThat(in.readNBytes(4)).containsExactly(2, 3, 4, 5);
            }
        }
    }

    @Test
    void shouldLeaveNagleOnWhenAskedTo() throws Exception {
        try (Socket socket = ClientSocketFactory.plain(false).createSocket()) {
            assertThat(socket.getTcpNoDelay()).isFalse();
        }
    }
}
