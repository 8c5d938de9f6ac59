package io.fieldline.can.candump;

/** A line that is neither a candump {@code -L} log line nor a candump console line. */
public final class CandumpFormatException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String line;

    /**
     * @param reason what is wrong, in words
     * @param line   the offending line
     */
    public CandumpFormatException(String reason, String line) {
        super(reason + ": '" + abbreviate(line) + "'");
        this.line = line;
    }

    /** The offending line. */
    public String line() {
        return line;
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 197) + "..." : s;
    }
}
