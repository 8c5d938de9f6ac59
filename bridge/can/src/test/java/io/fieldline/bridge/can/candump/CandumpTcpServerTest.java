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
            try (Socket a = new Socket("127.0.0.1", server.port());
                    Socket b = new Socket("127.0.0.1", server.port())) {
                send(a, "(1.000001) can0 100#01\nnot a frame\n");
                send(b, "  can1  200   [1]  02\n");
                await().atMost(Duration.ofSeconds(10)).until(() -> frames.size() == 2 && bad.size() == 1);
            }
            assertThat(frames).containsExactlyInAnyOrder("(1.000001) can0 100#01", "can1 200#02");
            assertThat(bad).containsExactly("2:not a frame");
            assertThat(server.acceptedConnections()).isEqualTo(2);
        }
    }

    @Test
    void shouldCutAnOverlongLineReportItAsMalformedAndKeepReadingTheConnection() throws Exception {
        List<String> frames = new CopyOnWriteArrayList<>();
        List<String> bad = new CopyOnWriteArrayList<>();
        List<String> reasons = new CopyOnWriteArrayList<>();
        FrameListener listener = new FrameListener() {
            @Override
            public void onFrame(CanFrame frame, String source, long line) {
                frames.add(line + ":" + frame.toCandumpLog());
            }

            @Override
            public void onMalformed(String text, String source, long line, String reason) {
                bad.add(line + ":" + text);
                reasons.add(reason);
            }
        };
        // A sender gone mad: 8 MB without a line break. Read whole, it would take 16 MB of heap per
        // connection (more, the more it sends) and make a dead letter too large for Kafka.
        char[] flood = new char[8 * 1024 * 1024];
        java.util.Arrays.fill(flood, 'A');
        try (CandumpTcpServer server = CandumpTcpServer.start("127.0.0.1", 0, listener);
                Socket socket = new Socket("127.0.0.1", server.port())) {
            send(socket, "(1.000001) can0 100#01\n");
            send(socket, "(1.000002) can0 100#" + new String(flood) + "\n");
            send(socket, "(1.000003) can0 100#03\n");
            await().atMost(Duration.ofSeconds(20)).until(() -> frames.size() == 2 && bad.size() == 1);
        }
        assertThat(frames).containsExactly("1:(1.000001) can0 100#01", "3:(1.000003) can0 100#03");
        assertThat(bad.get(0)).startsWith("2:(1.000002) can0 100#AAAA").hasSize("2:".length() + 1024);
        assertThat(reasons.get(0))
                .isEqualTo("line is 8388628 characters long, more than the 1024 accepted "
                        + "(can.line.max.length); only its first 1024 are kept");
    }

    private static void send(Socket socket, String text) throws Exception {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}
