package io.fieldline.bridge.can.candump;

import java.io.IOException;
import java.io.Reader;
import java.util.Objects;

/**
 * Reads lines of at most a given length from a reader, in bounded memory whatever the input: of a longer
 * line only the first {@code maxLength} characters are kept, the rest is read and dropped up to the line
 * break. A sender that never sends a line break thus costs a buffer, not the heap, and an over-long line
 * can still be reported (and dead-lettered) by its beginning. Line breaks are {@code \n}, {@code \r\n} and
 * a lone {@code \r}, as for {@link java.io.BufferedReader#readLine()}. Not thread-safe.
 */
final class BoundedLineReader {

    /**
     * One line.
     *
     * @param text   the line without its break, cut to the maximum length
     * @param length the length of the whole line, in characters
     */
    record Line(String text, long length) {

        /** Whether the line was longer than the maximum and {@link #text()} holds only its beginning. */
        boolean cut() {
            return length > text.length();
        }
    }

    private final Reader in;
    private final int maxLength;
    private final char[] buffer = new char[8192];
    private final StringBuilder line = new StringBuilder();
    private int position;
    private int limit;
    private boolean skipLineFeed;

    /**
     * @param in        the characters
     * @param maxLength the longest line kept whole, at least 1
     */
    BoundedLineReader(Reader in, int maxLength) {
        this.in = Objects.requireNonNull(in, "in");
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be at least 1, got " + maxLength);
        }
        this.maxLength = maxLength;
    }

    /** The next line, or null at the end of the input. */
    Line readLine() throws IOException {
        line.setLength(0);
        long length = 0;
        boolean any = false;
        while (true) {
            if (position == limit) {
                limit = in.read(buffer, 0, buffer.length);
                position = 0;
                if (limit <= 0) {
                    limit = 0;
                    return any ? new Line(line.toString(), length) : null;
                }
            }
            if (skipLineFeed) {
                skipLineFeed = false;
                if (buffer[position] == '\n') {
                    position++;
                    continue;
                }
            }
            any = true;
            int start = position;
            while (position < limit && buffer[position] != '\n' && buffer[position] != '\r') {
                position++;
            }
            int count = position - start;
            int room = maxLength - line.length();
            if (room > 0) {
                line.append(buffer, start, Math.min(room, count));
            }
            length += count;
            if (position < limit) {
                skipLineFeed = buffer[position] == '\r';
                position++;
                return new Line(line.toString(), length);
            }
        }
    }
}
