package io.fieldline.app.can;

import io.fieldline.can.dbc.ByteOrder;
import io.fieldline.can.dbc.Dbc;
import io.fieldline.can.dbc.DbcMessage;
import io.fieldline.can.dbc.DbcParser;
import io.fieldline.can.dbc.DbcSignal;
import io.fieldline.can.dbc.SignalValueType;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fieldline can inspect --dbc FILE}: the messages and signals of a DBC file. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = "List the messages and signals of a DBC file.")
public final class CanInspectCommand implements Callable<Integer> {

    @Option(names = "--dbc", required = true, paramLabel = "FILE", description = "DBC file.")
    Path dbcFile;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        Dbc dbc = DbcParser.parse(dbcFile);
        out.printf(
                "%s: version \"%s\", %d nodes, %d messages%n",
                dbcFile.getFileName(),
                dbc.version(),
                dbc.nodes().size(),
                dbc.messages().size());
        for (DbcMessage m : dbc.messages()) {
            out.printf(
                    "%n%s %s  %d bytes%s%s  sender %s%s%n",
                    m.idText(),
                    m.name(),
                    m.length(),
                    m.extended() ? "  extended" : "",
                    m.fd() ? "  CAN FD" : "",
                    m.senders().isEmpty() ? "-" : String.join(",", m.senders()),
                    m.cycleTimeMs() == null ? "" : "  every " + m.cycleTimeMs() + " ms");
            for (DbcSignal s : m.signals()) {
                String layout = s.startBit() + "|" + s.length() + "@"
                        + (s.byteOrder() == ByteOrder.LITTLE_ENDIAN ? 1 : 0) + (s.signed() ? "-" : "+");
                out.printf(
                        "  %-24s %-10s %-7s (%s,%s) [%s|%s] %s%s%s%n",
                        s.name(),
                        layout,
                        s.valueType() == SignalValueType.IEEE_FLOAT ? "float" + s.length() : "",
                        number(s.factor()),
                        number(s.offset()),
                        s.minimum() == null ? "" : number(s.minimum()),
                        s.maximum() == null ? "" : number(s.maximum()),
                        s.unit() == null ? "" : "\"" + s.unit() + "\"",
                        mux(s),
                        labels(s));
            }
        }
        return 0;
    }

    private static String mux(DbcSignal s) {
        StringBuilder sb = new StringBuilder();
        if (s.multiplexer()) {
            sb.append("  multiplexer");
        }
        if (s.isMultiplexed()) {
            sb.append("  when ").append(s.multiplexerSignal()).append(" in ").append(s.multiplexerIds());
        }
        return sb.toString();
    }

    private static String labels(DbcSignal s) {
        if (s.valueTable().isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("  {");
        for (Map.Entry<Long, String> e : s.valueTable().asMap().entrySet()) {
            sb.append(sb.length() > 3 ? ", " : "")
                    .append(e.getKey())
                    .append('=')
                    .append(e.getValue());
        }
        return sb.append('}').toString();
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
