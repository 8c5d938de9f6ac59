package io.fieldline.bridge.can.socketcan;

import io.fieldline.bridge.can.candump.FrameListener;
import io.fieldline.can.CanFrame;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tel.schich.javacan.CanChannels;
import tel.schich.javacan.CanSocketOptions;
import tel.schich.javacan.JavaCAN;
import tel.schich.javacan.RawCanChannel;

/**
 * Reads live frames from SocketCAN interfaces through JavaCAN ({@code tel.schich:javacan-core}), one thread per
 * interface, CAN FD enabled. Frames get the time of receipt as timestamp. Error frames are skipped.
 *
 * <p>Where SocketCAN cannot work, {@link #open} fails with a {@link SocketCanUnavailableException} whose message
 * starts with "SocketCAN is not available on this host: " and says why: not Linux, JavaCAN's native library not
 * on the class path or library path (JavaCAN ships it in an architecture-specific artifact), a kernel without
 * {@code PF_CAN} ("Address family not supported by protocol"), or an interface that does not exist.
 */
public final class SocketCanSource implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SocketCanSource.class);

    private final List<RawCanChannel> channels;
    private final List<Thread> readers = new ArrayList<>();
    private volatile boolean closed;

    private SocketCanSource(List<RawCanChannel> channels) {
        this.channels = channels;
    }

    /**
     * Opens every interface and starts reading.
     *
     * @param interfaces interface names, for example {@code can0}
     * @param listener   receives the frames (calls are serialized across interfaces)
     * @param clock      timestamps the frames
     */
    public static SocketCanSource open(List<String> interfaces, FrameListener listener, Clock clock)
            throws SocketCanUnavailableException {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(clock, "clock");
        if (!System.getProperty("os.name", "")
                .toLowerCase(java.util.Locale.ROOT)
                .contains("linux")) {
            throw new SocketCanUnavailableException(
                    "SocketCAN exists only on Linux, this is " + System.getProperty("os.name"), null);
        }
        try {
            JavaCAN.initialize();
        } catch (LinkageError | RuntimeException e) {
            throw new SocketCanUnavailableException(
                    "JavaCAN's native library could not be loaded (" + e
                            + "); add the javacan-core artifact for this CPU architecture to the class path",
                    e);
        }
        List<RawCanChannel> opened = new ArrayList<>();
        try {
            for (String iface : interfaces) {
                RawCanChannel channel;
                try {
                    channel = CanChannels.newRawChannel();
                } catch (IOException | LinkageError e) {
                    throw new SocketCanUnavailableException(
                            "cannot open a CAN socket (" + e.getMessage()
                                    + "); the kernel needs the can and can_raw modules",
                            e);
                }
                opened.add(channel);
                try {
                    channel.setOption(CanSocketOptions.FD_FRAMES, true);
                    channel.bind(tel.schich.javacan.NetworkDevice.lookup(iface));
                } catch (IOException e) {
                    throw new SocketCanUnavailableException(
                            "cannot bind interface " + iface + " (" + e.getMessage() + ")", e);
                }
            }
        } catch (SocketCanUnavailableException e) {
            closeAll(opened);
            throw e;
        }
        SocketCanSource source = new SocketCanSource(opened);
        Object lock = new Object();
        for (int i = 0; i < opened.size(); i++) {
            String iface = interfaces.get(i);
            RawCanChannel channel = opened.get(i);
            Thread t = new Thread(() -> source.read(iface, channel, listener, clock, lock), "socketcan-" + iface);
            t.setDaemon(true);
            source.readers.add(t);
            t.start();
        }
        return source;
    }

    private void read(String iface, RawCanChannel channel, FrameListener listener, Clock clock, Object lock) {
        String source = "socketcan:" + iface;
        long n = 0;
        byte[] data = new byte[64];
        try {
            while (!closed) {
                tel.schich.javacan.CanFrame f = channel.read();
                if (f.isError()) {
                    continue;
                }
                n++;
                Instant now = clock.instant();
                long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
                CanFrame frame;
                if (f.isRemoteTransmissionRequest()) {
                    frame = CanFrame.remote(iface, f.getId(), f.isExtended(), Math.min(8, f.getDataLength()), micros);
                } else {
                    int len = f.getDataLength();
                    f.getData(data, 0, len);
                    byte[] payload = java.util.Arrays.copyOf(data, len);
                    frame = f.isFDFrame()
                            ? CanFrame.fd(iface, f.getId(), f.isExtended(), f.getFlags() & 0x3, payload, micros)
                            : CanFrame.classic(iface, f.getId(), f.isExtended(), payload, micros);
                }
                synchronized (lock) {
                    listener.onFrame(frame, source, n);
                }
            }
        } catch (ClosedChannelException e) {
            LOG.debug("SocketCAN {} closed", iface);
        } catch (IOException e) {
            if (!closed) {
                LOG.error("Reading SocketCAN interface {} failed after {} frames", iface, n, e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        closeAll(channels);
        for (Thread t : readers) {
            t.interrupt();
        }
    }

    private static void closeAll(List<RawCanChannel> channels) {
        for (RawCanChannel c : channels) {
            try {
                c.close();
            } catch (IOException e) {
                LOG.debug("Closing a CAN socket", e);
            }
        }
    }
}
