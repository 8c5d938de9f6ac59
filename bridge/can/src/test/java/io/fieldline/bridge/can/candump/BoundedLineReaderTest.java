package io.fieldline.bridge.can.candump;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BoundedLineReaderTest {

    private static List<BoundedLineReader.Line> lines(Reader in, int max) throws IOException {
        BoundedLineReader reader = new BoundedLineReader(in, max);
        List<BoundedLineReader.Line> out = new ArrayList<>();
        BoundedLineReader.Line line;
        while ((line = reader.readLine()) != null) {
            out.add(line);
        }
        return out;
    }

    @Test
    void shouldSplitOnEveryKindOfLineBreakLikeBufferedReader() throws IOException {
        assertThat(lines(new StringReader("a\nbb\r\nccc\rd\n\nlast"), 10))
                .extracting(BoundedLineReader.Line::text)
                .containsExactly("a", "bb", "ccc", "d", "", "last");
        assertThat(lines(new StringReader(""), 10)).isEmpty();
        assertThat(lines(new StringReader("x\r\n"), 10))
                .extracting(BoundedLineReader.Line::text)
                .containsExactly("x");
    }

    @Test
    void shouldKeepTheBeginningOfAnOverlongLineAndItsLengthInBoundedMemory() throws IOException {
        // 100 million characters without a break, never held: the reader would need 200 MB to keep them.
        long flood = 100_000_000L;
        Reader endless = new Reader() {
            private long left = flood;
            private boolean tailSent;

            @Override
            public int read(char[] buf, int off, int len) {
                if (left > 0) {
                    int n = (int) Math.min(len, left);
                    java.util.Arrays.fill(buf, off, off + n, 'z');
                    left -= n;
                    return n;
                }
                if (!tailSent) {
                    tailSent = true;
                    "\nok\n".getChars(0, 4, buf, off);
                    return 4;
                }
                return -1;
            }

            @Override
            public void close() {}
        };

        List<BoundedLineReader.Line> read = lines(endless, 16);

        assertThat(read).hasSize(2);
        assertThat(read.get(0).text()).isEqualTo("z".repeat(16));
        assertThat(read.get(0).length()).isEqualTo(flood);
        assertThat(read.get(0).cut()).isTrue();
        assertThat(read.get(1)).isEqualTo(new BoundedLineReader.Line("ok", 2));
        assertThat(read.get(1).cut()).isFalse();
    }
}
