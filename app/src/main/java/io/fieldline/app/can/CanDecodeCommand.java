package io.fieldline.app.can;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fieldline.can.CanFrame;
import io.fieldline.can.candump.CandumpParser;
import io.fieldline.can.dbc.Dbc;
import io.fieldline.can.dbc.DbcParser;
import io.fieldline.can.decode.DbcDecoder;
import io.fieldline.can.decode.DecodeStatus;
import io.fieldline.can.decode.DecodedSignals;
import io.fieldline.can.decode.MessageDecoder;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fieldline can decode --dbc FILE --frame 1F0#C006E00000000000}: the signals of one frame as JSON.
 * Exit code 0 when decoded, 1 when the id is unknown or the frame cannot be decoded.
 */
@Command(
        name = "decode",
        mixinStandardHelpOptions = true,
        description = "Decode one CAN frame with a DBC file and print its signals as JSON (name, value, unit, label).")
public final class CanDecodeCommand implements Callable<Integer> {

    @Option(names = "--dbc", required = true, paramLabel = "FILE", description = "DBC file.")
    Path dbcFile;

    @Option(
            names = "--frame",
            required = true,
            paramLabel = "FRAME",
            description = "The frame in candump notation: 1F0#C006E000 (CAN), 123##1AABB (CAN FD), "
                    + "18FEF1FE#... (29-bit id), or a whole candump line.")
    String frameText;

    @Option(
            names = "--strict",
            description = "Reject frames shorter than their message instead of decoding the "
                    + "signals that fit (cantools allow_truncated=False).")
    boolean strict;

    private final PrintStream out = System.out;
    private final PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        Dbc dbc = DbcParser.parse(dbcFile);
        String line = frameText.strip();
        CanFrame frame = CandumpParser.parse(line.contains(" ") ? line : "can0 " + line);
        MessageDecoder decoder = DbcDecoder.compile(dbc).find(frame.id(), frame.extended());
        if (decoder == null) {
            err.println("unknown CAN id " + frame.idText() + ": no message in " + dbcFile);
            return 1;
        }
        if (frame.remote()) {
            err.println("remote frame of " + decoder.message().name() + ": no data to decode");
            return 1;
        }
        DecodedSignals signals = new DecodedSignals();
        DecodeStatus status = decoder.decode(frame.data(), !strict, signals);
        if (!status.decoded()) {
            err.println(signals.problem());
            return 1;
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("message", decoder.message().name());
        root.put("id", frame.idText());
        root.put("extended", frame.extended());
        root.put("fd", frame.fd());
        root.put("status", status.name());
        ArrayNode list = root.putArray("signals");
        for (int i = 0; i < signals.count(); i++) {
            ObjectNode s = list.addObject();
            s.put("name", signals.name(i));
            double v = signals.value(i);
            if (signals.integral(i) && Math.abs(v) < 0x1p53) {
                s.put("value", (long) v);
            } else {
                s.put("value", v);
            }
            if (signals.unit(i) == null) {
                s.putNull("unit");
            } else {
                s.put("unit", signals.unit(i));
            }
            if (signals.label(i) == null) {
                s.putNull("label");
            } else {
                s.put("label", signals.label(i));
            }
        }
        out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        return 0;
    }
}
