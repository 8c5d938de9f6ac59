package io.fieldline.sink.internal.copy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.testing.TestDatabases;
import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;

/** The encoder against the reference: PostgreSQL's own {@code COPY ... TO STDOUT (FORMAT BINARY)}. */
@ExtendWith(EmbeddedStackExtension.class)
class PgBinaryCopyWriterIT {

    private static final String TABLE = "CREATE TABLE sample (t text, f float8, b bigint, i int, flag bool, "
            + "ts timestamptz, raw bytea, doc jsonb)";
    private static final Instant TIME = Instant.parse("2031-07-04T12:34:56.789012Z");

    @Test
    void shouldProduceTheBytesPostgresProducesForTheSameRows(EmbeddedStack stack) throws SQLException {
        try (Connection c = TestDatabases.create(stack.postgres()).dataSource().getConnection();
                Statement st = c.createStatement()) {
            st.execute(TABLE);
            st.execute("INSERT INTO sample VALUES ('Grow room °C µmol/m² \uD83C\uDF31', 21.125, -9000000000, 42, true, "
                    + "'2031-07-04T12:34:56.789012Z', '\\x00ff10'::bytea, '{\"k\": \"v\", \"n\": 1.5}')");
            st.execute(
                    "INSERT INTO sample VALUES (NULL, 'NaN', NULL, NULL, false, '1970-01-01T00:00:00Z', NULL, NULL)");

            ByteArrayOutputStream reference = new ByteArrayOutputStream();
            c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY sample TO STDOUT (FORMAT BINARY)", reference);

            ByteArrayOutputStream ours = new ByteArrayOutputStream();
            PgBinaryCopyWriter w = new PgBinaryCopyWriter((b, off, len) -> ours.write(b, off, len), 64);
            w.startRow(8)
                    .writeText("Grow room °C µmol/m² \uD83C\uDF31")
                    .writeFloat8(21.125)
                    .writeInt8(-9_000_000_000L)
                    .writeInt4(42)
                    .writeBool(true)
                    .writeTimestamptz(TIME)
                    .writeBytea(new byte[] {0, (byte) 0xFF, 0x10})
                    .writeJsonb("{\"k\": \"v\", \"n\": 1.5}");
            w.startRow(8)
                    .writeText(null)
                    .writeFloat8(Double.NaN)
                    .writeNull()
                    .writeNull()
                    .writeBool(false)
                    .writeTimestamptzMillis(0)
                    .writeBytea((byte[]) null)
                    .writeJsonb(null);
            w.finish();

            assertThat(ours.toByteArray()).isEqualTo(reference.toByteArray());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void shouldBeAcceptedByCopyFromAndReadBackUnchanged(EmbeddedStack stack) throws SQLException {
        try (Connection c = TestDatabases.create(stack.postgres()).dataSource().getConnection();
                Statement st = c.createStatement()) {
            st.execute(TABLE);
            var in = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY sample FROM STDIN (FORMAT BINARY)");
            PgBinaryCopyWriter w = new PgBinaryCopyWriter(in::writeToCopy, 128);
            for (int n = 0; n < 1000; n++) {
                w.startRow(8)
                        .writeText("row " + n + " é")
                        .writeFloat8(n / 4.0)
                        .writeInt8(n * 1_000_000_000L)
                        .writeInt4(-n)
                        .writeBool(n % 2 == 0)
                        .writeTimestamptzMillis(TIME.toEpochMilli() + n)
                        .writeBytea(new byte[n % 5])
                        .writeJsonb("{\"n\":" + n + "}");
            }
            w.finish();
            assertThat(in.endCopy()).isEqualTo(1000);

            try (ResultSet rs = st.executeQuery(
                    "SELECT count(*), sum(f), sum(b), sum(i), count(*) FILTER (WHERE flag), "
                            + "max(ts), sum(length(raw)), sum((doc->>'n')::int), count(*) FILTER (WHERE t LIKE '% é') FROM sample")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(1000);
                assertThat(rs.getDouble(2)).isEqualTo(999 * 1000 / 2 / 4.0);
                assertThat(rs.getBigDecimal(3).longValueExact()).isEqualTo(999L * 1000 / 2 * 1_000_000_000L);
                assertThat(rs.getLong(4)).isEqualTo(-999 * 1000 / 2);
                assertThat(rs.getLong(5)).isEqualTo(500);
                assertThat(rs.getTimestamp(6).toInstant()).isEqualTo(Instant.ofEpochMilli(TIME.toEpochMilli() + 999));
                assertThat(rs.getLong(7)).isEqualTo(200 * (0 + 1 + 2 + 3 + 4));
                assertThat(rs.getLong(8)).isEqualTo(999 * 1000 / 2);
                assertThat(rs.getLong(9)).isEqualTo(1000);
            }
        }
    }
}
