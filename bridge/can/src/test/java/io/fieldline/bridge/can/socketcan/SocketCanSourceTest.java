package io.fieldline.bridge.can.socketcan;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.fieldline.bridge.can.candump.FrameListener;
import io.fieldline.can.CanFrame;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

class SocketCanSourceTest {

    @Test
    void shouldExplainClearlyThatSocketCanIsNotAvailableHere() {
        // These machines have neither a CAN interface nor JavaCAN's native library: the error must say so.
        assumeFalse(Files.exists(Path.of("/sys/class/net/can0")), "this host has a can0 interface");
        FrameListener ignore = new FrameListener() {
            @Override
            public void onFrame(CanFrame frame, String source, long line) {}

            @Override
            public void onMalformed(String text, String source, long line, String reason) {}
        };

        assertThatThrownBy(() -> SocketCanSource.open(List.of("can0"), ignore, Clock.systemUTC()))
                .isInstanceOf(SocketCanUnavailableException.class)
                .hasMessageStartingWith("SocketCAN is not available on this host: ")
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(
                                e.getMessage().length())
                        .isGreaterThan(SocketCanUnavailableException.PREFIX.length() + 10));
    }
}
