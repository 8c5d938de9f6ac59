package io.fieldline.bridge.can.socketcan;

/**
 * SocketCAN cannot be used here: not Linux, a kernel without CAN ({@code PF_CAN}), JavaCAN's native library
 * missing, or no such interface. The rest of the bridge works without it.
 */
public final class SocketCanUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Message prefix of every instance. */
    public static final String PREFIX = "SocketCAN is not available on this host: ";

    /**
     * @param reason what failed, in words
     * @param cause  the underlying error, or null
     */
    public SocketCanUnavailableException(String reason, Throwable cause) {
        super(PREFIX + reason, cause);
    }
}
