package io.fieldline.bridge.can.redis;

import io.fieldline.can.CanFrame;
import io.fieldline.can.candump.CandumpFormatException;
import io.fieldline.can.candump.CandumpParser;
import java.util.HexFormat;
import java.util.Map;

/**
 * The field layout of a CAN frame in a Redis stream entry, and its parser (a pure function).
 *
 * <p>An entry is either
 * <ul>
 *   <li>{@code line}: one candump line, {@code -L} or console format (what a scanner piping candump writes); or</li>
 *   <li>discrete fields: {@code id} (hex CAN id; 8 digits, a value above 7FF or {@code ext=1} make it a 29-bit id),
 *       {@code data} (hex payload, may be empty), {@code ts} (receive time, epoch seconds with up to six decimals,
 *       as candump writes it; optional), {@code iface} (interface, default {@code can0}), {@code fd} ({@code 1} for
 *       CAN FD), {@code flags} (FD flags nibble), {@code rtr} ({@code 1} for a remote frame, with its length in
 *       {@code len}).</li>
 * </ul>
 * Example: {@code XADD can:frames * iface can0 id 1F0 data C006E00000000000 ts 1436509052.249713}.
 */
public final class RedisFrameFields {

    public static final String LINE = "line";
    public static final String ID = "id";
    public static final String DATA = "data";
    public static final String TS = "ts";
    public static final String IFACE = "iface";
    public static final String FD = "fd";
    public static final String FLAGS = "flags";
    public static final String EXT = "ext";
    public static final String RTR = "rtr";
    public static final String LEN = "len";

    private RedisFrameFields() {}

    /**
     * The frame an entry describes.
     *
     * @throws CandumpFormatException (or IllegalArgumentException) saying what is wrong
     */
    public static CanFrame parse(Map<String, String> fields) {
        String line = fields.get(LINE);
        if (line != null) {
            return CandumpParser.parse(line);
        }
        String idText = fields.get(ID);
        if (idText == null || idText.isBlank()) {
            throw new CandumpFormatException("expected a 'line' field or an 'id' field", fields.toString());
        }
        String iface = fields.getOrDefault(IFACE, "can0");
        String hex = idText.strip();
        if (hex.startsWith("0x") || hex.startsWith("0X")) {
            hex = hex.substring(2);
        }
        int id;
        try {
            id = Integer.parseUnsignedInt(hex, 16);
        } catch (NumberFormatException e) {
            throw new CandumpFormatException(
                    "expected a hex CAN id in field 'id', found '" + idText + "'", fields.toString());
        }
        boolean extended = truthy(fields.get(EXT)) || hex.length() == 8 || id > 0x7FF;
        long ts = timestamp(fields.get(TS), fields);
        if (truthy(fields.get(RTR))) {
            int len = fields.containsKey(LEN) ? Integer.parseInt(fields.get(LEN).strip()) : 0;
            return CanFrame.remote(iface, id, extended, len, ts);
        }
        byte[] data;
        try {
            data = HexFormat.of().parseHex(fields.getOrDefault(DATA, "").strip());
        } catch (IllegalArgumentException e) {
            throw new CandumpFormatException("expected hex bytes in field 'data'", fields.toString());
        }
        if (truthy(fields.get(FD)) || data.length > 8) {
            int flags = fields.containsKey(FLAGS)
                    ? Integer.parseInt(fields.get(FLAGS).strip(), 16)
                    : 0;
            return CanFrame.fd(iface, id, extended, flags, data, ts);
        }
        return CanFrame.classic(iface, id, extended, data, ts);
    }

    private static boolean truthy(String v) {
        return v != null && (v.equals("1") || v.equalsIgnoreCase("true"));
    }

    private static long timestamp(String text, Map<String, String> fields) {
        if (text == null || text.isBlank()) {
            return CanFrame.NO_TIMESTAMP;
        }
        String t = text.strip();
        int dot = t.indexOf('.');
        String seconds = dot < 0 ? t : t.substring(0, dot);
        String fraction = dot < 0 ? "" : t.substring(dot + 1);
        if (seconds.isEmpty()
                || !seconds.chars().allMatch(Character::isDigit)
                || !fraction.chars().allMatch(Character::isDigit)) {
            throw new CandumpFormatException(
                    "expected field 'ts' as epoch seconds like 1436509052.249713, found '" + text + "'",
                    fields.toString());
        }
        return Long.parseLong(seconds) * 1_000_000L + Long.parseLong((fraction + "000000").substring(0, 6));
    }
}
