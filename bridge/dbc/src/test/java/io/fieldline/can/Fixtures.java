package io.fieldline.can;

import io.fieldline.can.dbc.Dbc;
import io.fieldline.can.dbc.DbcParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Test DBC files from src/test/resources/dbc. */
public final class Fixtures {

    private Fixtures() {}

    public static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/dbc/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Dbc dbc(String name) {
        return DbcParser.parse(bytes(name), name);
    }

    public static byte[] hex(String hex) {
        String h = hex.replace(" ", "");
        byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
