package io.fieldline.can;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One received CAN or CAN FD frame: immutable. Inputs (candump lines, SocketCAN, Redis streams) produce it, the
 * bridge decodes it.
 */
public final class CanFrame {

    /** {@link #timestampMicros()} of a frame whose source gave no receive time. */
    public static final long NO_TIMESTAMP = Long.MIN_VALUE;

    /** Bit rate switch, in {@link #fdFlags()}. */
    public static final int FD_BRS = 1;
    /** Error state indicator, in {@link #fdFlags()}. */
    public static final int FD_ESI = 2;

    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private final String iface;
    private final int id;
    private final boolean extended;
    private final boolean fd;
    private final boolean remote;
    private final int fdFlags;
    private final int length;
    private final byte[] data;
    private final long timestampMicros;

    private CanFrame(
            String iface,
            int id,
            boolean extended,
            boolean fd,
            boolean remote,
            int fdFlags,
            int length,
            byte[] data,
            long timestampMicros) {
        this.iface = Objects.requireNonNull(iface, "iface");
        if (extended ? (id & ~0x1FFFFFFF) != 0 : (id & ~0x7FF) != 0) {
            throw new IllegalArgumentException("CAN id 0x"
                    + Integer.toHexString(id).toUpperCase() + " does not fit " + (extended ? "29" : "11") + " bits");
        }
        if (data.length > (fd ? 64 : 8)) {
            throw new IllegalArgumentException(
                    (fd ? "CAN FD" : "classic CAN") + " payload of " + data.length + " bytes");
        }
        this.id = id;
        this.extended = extended;
        this.fd = fd;
        this.remote = remote;
        this.fdFlags = fdFlags;
        this.length = length;
        this.data = data;
        this.timestampMicros = timestampMicros;
    }

    /** A classic data frame (up to 8 bytes); the array is copied. */
    public static CanFrame classic(String iface, int id, boolean extended, byte[] data, long timestampMicros) {
        return new CanFrame(iface, id, extended, false, false, 0, data.length, data.clone(), timestampMicros);
    }

    /** A CAN FD frame (up to 64 bytes) with its flags ({@link #FD_BRS}, {@link #FD_ESI}); the array is copied. */
    public static CanFrame fd(String iface, int id, boolean extended, int fdFlags, byte[] data, long timestampMicros) {
        return new CanFrame(iface, id, extended, true, false, fdFlags, data.length, data.clone(), timestampMicros);
    }

    /** A remote transmission request for {@code length} bytes (no data). */
    public static CanFrame remote(String iface, int id, boolean extended, int length, long timestampMicros) {
        if (length < 0 || length > 8) {
            throw new IllegalArgumentException("remote frame length " + length);
        }
        return new CanFrame(iface, id, extended, false, true, 0, length, new byte[0], timestampMicros);
    }

    /** Interface name, for example {@code can0}. */
    public String iface() {
        return iface;
    }

    /** Arbitration id without flag bits. */
    public int id() {
        return id;
    }

    /** 29-bit id. */
    public boolean extended() {
        return extended;
    }

    /** CAN FD frame. */
    public boolean fd() {
        return fd;
    }

    /** Remote transmission request. */
    public boolean remote() {
        return remote;
    }

    /** CAN FD flags (BRS = 1, ESI = 2). */
    public int fdFlags() {
        return fdFlags;
    }

    /** Payload length: the data length, or the requested length of a remote frame. */
    public int length() {
        return length;
    }

    /** Number of payload bytes carried (0 for remote frames). */
    public int dataLength() {
        return data.length;
    }

    /** A copy of the payload. */
    public byte[] data() {
        return data.clone();
    }

    /** Copies the payload into {@code target} at {@code offset}; returns the number of bytes copied. */
    public int copyData(byte[] target, int offset) {
        System.arraycopy(data, 0, target, offset, data.length);
        return data.length;
    }

    /** Receive time in microseconds since the epoch, or {@link #NO_TIMESTAMP}. */
    public long timestampMicros() {
        return timestampMicros;
    }

    /** Whether the source gave a receive time. */
    public boolean hasTimestamp() {
        return timestampMicros != NO_TIMESTAMP;
    }

    /** The same frame with another receive time. */
    public CanFrame withTimestampMicros(long micros) {
        return new CanFrame(iface, id, extended, fd, remote, fdFlags, length, data, micros);
    }

    /** The id as candump writes it: 3 hex digits for standard ids, 8 for extended ones. */
    public String idText() {
        return extended ? String.format("%08X", id) : String.format("%03X", id);
    }

    /** Payload as upper-case hex without separators. */
    public String dataHex() {
        return HEX.formatHex(data);
    }

    /**
     * The frame in candump's {@code -L} log format, for example {@code (1436509052.249713) can0 1F0#C006E000};
     * without the timestamp part when the frame has none.
     */
    public String toCandumpLog() {
        StringBuilder sb = new StringBuilder(48);
        if (hasTimestamp()) {
            long seconds = Math.floorDiv(timestampMicros, 1_000_000L);
            long micros = Math.floorMod(timestampMicros, 1_000_000L);
            sb.append('(')
                    .append(seconds)
                    .append('.')
                    .append(String.format("%06d", micros))
                    .append(") ");
        }
        sb.append(iface).append(' ').append(idText()).append('#');
        if (remote) {
            sb.append('R');
            if (length > 0) {
                sb.append(length);
            }
        } else if (fd) {
            sb.append('#').append(Integer.toHexString(fdFlags).toUpperCase()).append(dataHex());
        } else {
            sb.append(dataHex());
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CanFrame f
                && id == f.id
                && extended == f.extended
                && fd == f.fd
                && remote == f.remote
                && fdFlags == f.fdFlags
                && length == f.length
                && timestampMicros == f.timestampMicros
                && iface.equals(f.iface)
                && Arrays.equals(data, f.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(iface, id, extended, fd, remote, fdFlags, length, timestampMicros) * 31
                + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return toCandumpLog();
    }
}
