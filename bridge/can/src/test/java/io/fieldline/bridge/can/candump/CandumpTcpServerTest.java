package io.fieldline.bridge.can.candump;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.can.CanFrame;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class CandumpTcpServerTest {

    @Test
    void shouldReadLinesFromSeveralSendersOnLoopback() throws Exception {
        List<String> frames = new CopyOnWriteArrayList<>();
        List<String> bad = new CopyOnWriteArrayList<>();
        FrameListener listener = new FrameListener() {
            @Override
            public void onFrame(CanFrame frame, String source, long line) {
                frames.add(frame.toCandumpLog());
            }

            @Override
            public void onMalformed(String text, String source, long line, String reason) {
                bad.add(line + ":" + text);
            }
        };
        try (CandumpTcpServer server = CandumpTcpServer.start("127.0.0.1", 0, listener)) {
            try (Socket a = new Socket("127.0.0.1", server.port()); Socket b = new Socket("127.0.0.1", server.port())) {
                send(a, "(1.000001) can0 100#01\nnot a frame\n");
                send(b, "  can1  200   [1]  02\n");
                await().atMost(Duration.ofSeconds(10)).until(() -> frames.size() == 2 && bad.size() == 1);
            }
            assertThat(frames).containsExactlyInAnyOrder("(1.000001) can0 100#01", "can1 200#02");
            assertThat(bad).containsExactly("2:not a frame");
            assertThat(server.acceptedConnections()).isEqualTo(2);
        }
    }

    private static void send(Socket socket, String text) throws Exception {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}
