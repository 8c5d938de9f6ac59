package io.fieldline.can.candump;

import io.fieldline.can.CanFrame;

/**
 * Parses one line of candump output into a {@link CanFrame}: a pure function, no state.
 *
 * <p>Two formats are read:
 * <ul>
 *   <li>the log format of {@code candump -L} (and of {@code candump -l} files):
 *       {@code (1436509052.249713) can0 1F0#C006E00000000000}; CAN FD frames as {@code 123##1A1B2C} (the digit
 *       after {@code ##} is the FD flags nibble: 1 = BRS, 2 = ESI); remote frames as {@code 123#R} or
 *       {@code 123#R4}; 29-bit ids with 8 hex digits; an optional trailing {@code R}/{@code T} (direction) and
 *       {@code _D} length-code suffix are accepted. Without the timestamp ({@code can0 1F0#C006}) the frame has
 *       no receive time.</li>
 *   <li>the default console format: {@code   can0  1F0   [8]  C0 06 E0 00 00 00 00 00}, optionally preceded by a
 *       {@code (timestamp)} ({@code -ta}); {@code [3]  remote request} for remote frames; CAN FD frames carry a
 *       two-digit length ({@code [08]}, {@code [16]}); {@code -x} direction and flag columns
 *       ({@code RX B E}) and a trailing {@code -a} ASCII column are accepted.</li>
 * </ul>
 * Anything else raises {@link CandumpFormatException} saying what was expected. CAN error frames
 * ({@code CAN_ERR_FLAG} in the id) are reported as malformed: they carry no signals.
 */
public final class CandumpParser {

    private CandumpParser() {}

    /** Whether a line carries no frame: blank, or a comment starting with {@code #} or {@code //}. */
    public static boolean isBlankOrComment(String line) {
        String t = line.strip();
        return t.isEmpty() || t.startsWith("#") || t.startsWith("//");
    }

    /** Parses a line in either format. */
    public static CanFrame parse(String line) {
        String[] t = line.strip().split("\\s+");
        if (t.length == 0 || t[0].isEmpty()) {
            throw new CandumpFormatException("empty line", line);
        }
        int first = 0;
        long timestamp = CanFrame.NO_TIMESTAMP;
        if (t[0].startsWith("(")) {
            timestamp = timestamp(t[0], line);
            first = 1;
        }
        if (t.length - first >= 2 && t[first + 1].indexOf('#') >= 0) {
            return logFrame(t, first, timestamp, line);
        }
        return consoleFrame(t, first, timestamp, line);
    }

    private static CanFrame logFrame(String[] t, int first, long timestamp, String line) {
        String iface = t[first];
        String frame = t[first + 1];
        if (t.length > first + 3 || (t.length == first + 3 && !t[first + 2].matches("[RT]"))) {
            throw new CandumpFormatException("unexpected text after the frame", line);
        }
        int hash = frame.indexOf('#');
        String idText = frame.substring(0, hash);
        boolean extended = idLength(idText, line);
        int id = id(idText, extended, line);
        String rest = frame.substring(hash + 1);
        if (rest.startsWith("#")) {
            if (rest.length() < 2 || Character.digit(rest.charAt(1), 16) < 0) {
                throw new CandumpFormatException("expected a hex flags digit after '##' of a CAN FD frame", line);
            }
            int flags = Character.digit(rest.charAt(1), 16);
            byte[] data = hexBytes(rest.substring(2), 64, line);
            return CanFrame.fd(iface, id, extended, flags, data, timestamp);
        }
        if (rest.startsWith("R") || rest.startsWith("r")) {
            String len = rest.substring(1);
            int underscore = len.indexOf('_');
            if (underscore >= 0) {
                len = len.substring(0, underscore);
            }
            int length = 0;
            if (!len.isEmpty()) {
                if (len.length() != 1
                        || Character.digit(len.charAt(0), 10) < 0
                        || Character.digit(len.charAt(0), 10) > 8) {
                    throw new CandumpFormatException("expected a remote frame length 0 to 8 after 'R'", line);
                }
                length = Character.digit(len.charAt(0), 10);
            }
            return CanFrame.remote(iface, id, extended, length, timestamp);
        }
        String data = rest;
        int underscore = data.indexOf('_');
        if (underscore >= 0) {
            // "_D": the raw DLC of an 8-byte classic frame (len8_dlc); the payload stays 8 bytes.
            if (underscore != data.length() - 2 || Character.digit(data.charAt(data.length() - 1), 16) < 9) {
                throw new CandumpFormatException(
                        "expected '_' followed by a length code 9 to F after 8 data bytes", line);
            }
            data = data.substring(0, underscore);
        }
        return CanFrame.classic(iface, id, extended, hexBytes(data, 8, line), timestamp);
    }

    private static CanFrame consoleFrame(String[] t, int first, long timestamp, String line) {
        int i = first;
        if (t.length - i < 3) {
            throw new CandumpFormatException(
                    "expected 'iface id#data' (candump -L) or 'iface id [len] bytes' (candump)", line);
        }
        String iface = t[i++];
        int flags = 0;
        if (t[i].equals("RX") || t[i].equals("TX")) {
            i++;
            for (int k = 0; k < 2 && i < t.length && t[i].matches("[BE-]"); k++, i++) {
                flags |= t[i].equals("B") ? CanFrame.FD_BRS : t[i].equals("E") ? CanFrame.FD_ESI : 0;
            }
        }
        if (i + 1 >= t.length) {
            throw new CandumpFormatException("expected a CAN id and '[length]' after the interface", line);
        }
        String idText = t[i++];
        String bracket = t[i++];
        if (!idText.matches("[0-9A-Fa-f]{3}|[0-9A-Fa-f]{8}") && !bracket.startsWith("[")) {
            throw new CandumpFormatException(
                    "expected 'iface id#data' (candump -L) or 'iface id [len] bytes' (candump)", line);
        }
        boolean extended = idLength(idText, line);
        int id = id(idText, extended, line);
        if (!bracket.matches("\\[\\d{1,2}]")) {
            throw new CandumpFormatException(
                    "expected the payload length in brackets, like [8], after the CAN id", line);
        }
        String digits = bracket.substring(1, bracket.length() - 1);
        int length = Integer.parseInt(digits);
        boolean fd = digits.length() == 2 || length > 8;
        if (length > 64) {
            throw new CandumpFormatException("expected a payload length of at most 64", line);
        }
        if (i + 1 < t.length && t[i].equals("remote") && t[i + 1].equals("request")) {
            if (length > 8) {
                throw new CandumpFormatException("expected a remote frame length of at most 8", line);
            }
            if (t.length > i + 2) {
                throw new CandumpFormatException("unexpected text after 'remote request'", line);
            }
            return CanFrame.remote(iface, id, extended, length, timestamp);
        }
        if (t.length - i < length) {
            throw new CandumpFormatException("expected " + length + " data bytes, found " + (t.length - i), line);
        }
        byte[] data = new byte[length];
        for (int k = 0; k < length; k++) {
            String b = t[i++];
            if (b.length() != 2 || Character.digit(b.charAt(0), 16) < 0 || Character.digit(b.charAt(1), 16) < 0) {
                throw new CandumpFormatException("expected a two-digit hex data byte, found '" + b + "'", line);
            }
            data[k] = (byte) Integer.parseInt(b, 16);
        }
        if (i < t.length && !t[i].startsWith("'")) {
            throw new CandumpFormatException("expected " + length + " data bytes, found more", line);
        }
        return fd
                ? CanFrame.fd(iface, id, extended, flags, data, timestamp)
                : CanFrame.classic(iface, id, extended, data, timestamp);
    }

    /** (seconds.fraction) to microseconds since the epoch; extra fraction digits are cut. */
    private static long timestamp(String token, String line) {
        if (!token.endsWith(")") || token.length() < 3) {
            throw new CandumpFormatException("expected a timestamp like (1436509052.249713)", line);
        }
        String inner = token.substring(1, token.length() - 1);
        int dot = inner.indexOf('.');
        String seconds = dot < 0 ? inner : inner.substring(0, dot);
        String fraction = dot < 0 ? "" : inner.substring(dot + 1);
        if (seconds.isEmpty()
                || seconds.length() > 12
                || !seconds.chars().allMatch(Character::isDigit)
                || !fraction.chars().allMatch(Character::isDigit)) {
            throw new CandumpFormatException("expected a timestamp like (1436509052.249713)", line);
        }
        String micros = (fraction + "000000").substring(0, 6);
        return Long.parseLong(seconds) * 1_000_000L + Long.parseLong(micros);
    }

    /** Whether the id text is a 29-bit id: candump writes 3 hex digits for standard and 8 for extended ids. */
    private static boolean idLength(String idText, String line) {
        if (idText.length() == 3) {
            return false;
        }
        if (idText.length() == 8) {
            return true;
        }
        throw new CandumpFormatException(
                "expected a CAN id of 3 (standard) or 8 (extended) hex digits, found '" + idText + "'", line);
    }

    private static int id(String idText, boolean extended, String line) {
        int id;
        try {
            id = Integer.parseUnsignedInt(idText, 16);
        } catch (NumberFormatException e) {
            throw new CandumpFormatException("expected a hex CAN id, found '" + idText + "'", line);
        }
        if (extended) {
            if ((id & 0x20000000) != 0) {
                throw new CandumpFormatException(
                        "CAN error frame (CAN_ERR_FLAG set in id " + idText + ") carries no signals", line);
            }
            if ((id & ~0x1FFFFFFF) != 0) {
                throw new CandumpFormatException(
                        "expected an extended CAN id of at most 1FFFFFFF, found " + idText, line);
            }
        } else if (id > 0x7FF) {
            throw new CandumpFormatException("expected a standard CAN id of at most 7FF, found " + idText, line);
        }
        return id;
    }

    private static byte[] hexBytes(String text, int max, String line) {
        String hex = text.indexOf('.') >= 0 ? text.replace(".", "") : text;
        if (hex.length() % 2 != 0) {
            throw new CandumpFormatException("expected data as pairs of hex digits, found an odd count", line);
        }
        int n = hex.length() / 2;
        if (n > max) {
            throw new CandumpFormatException("expected at most " + max + " data bytes, found " + n, line);
        }
        byte[] out = new byte[n];
        for (int k = 0; k < n; k++) {
            int hi = Character.digit(hex.charAt(2 * k), 16);
            int lo = Character.digit(hex.charAt(2 * k + 1), 16);
            if (hi < 0 || lo < 0) {
                throw new CandumpFormatException(
                        "expected hex data, found '" + hex.substring(2 * k, 2 * k + 2) + "'", line);
            }
            out[k] = (byte) (hi << 4 | lo);
        }
        return out;
    }
}
