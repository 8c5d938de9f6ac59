package io.fieldline.topologies.kpi;

import io.fieldline.topologies.internal.BinaryCodec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/** What the room-KPI processor keeps per room and window; each class has its store codec. */
final class RoomKpiState {

    private RoomKpiState() {}

    /** A value with the event time it was measured at; NaN value when absent. */
    static final class Timed {
        double value = Double.NaN;
        long time;

        boolean present() {
            return !Double.isNaN(value);
        }

        void earliest(double candidate, long at) {
            if (!present() || at < time) {
                value = candidate;
                time = at;
            }
        }

        void latest(double candidate, long at) {
            if (!present() || at >= time) {
                value = candidate;
                time = at;
            }
        }

        void write(DataOutputStream out) throws IOException {
            out.writeDouble(value);
            out.writeLong(time);
        }

        void read(DataInputStream in) throws IOException {
            value = in.readDouble();
            time = in.readLong();
        }
    }

    /** A climate window of a room: count-weighted sums of the temperature and humidity means. */
    static final class Climate {
        String site;
        double temperatureSum;
        long temperatureCount;
        double humiditySum;
        long humidityCount;

        static final BinaryCodec<Climate> CODEC = new BinaryCodec<>() {
            @Override
            public void write(Climate c, DataOutputStream out) throws IOException {
                out.writeByte(1);
                BinaryCodec.writeNullableString(out, c.site);
                out.writeDouble(c.temperatureSum);
                out.writeLong(c.temperatureCount);
                out.writeDouble(c.humiditySum);
                out.writeLong(c.humidityCount);
            }

            @Override
            public Climate read(DataInputStream in) throws IOException {
                BinaryCodec.expectVersion(in, 1, "climate");
                Climate c = new Climate();
                c.site = BinaryCodec.readNullableString(in);
                c.temperatureSum = in.readDouble();
                c.temperatureCount = in.readLong();
                c.humiditySum = in.readDouble();
                c.humidityCount = in.readLong();
                return c;
            }
        };
    }

    /** A day of a room: light integrals per PPFD series and the poultry counters. */
    static final class Day {
        String site;
        long end;
        /** Series (device/sensor) to its light integral so far, mol/m2. */
        final Map<String, Double> light = new TreeMap<>();

        double feed = Double.NaN;
        double deaths = Double.NaN;
        double eggs = Double.NaN;
        double birdsSum;
        long birdsCount;
        final Timed firstBirds = new Timed();
        final Timed lastBirds = new Timed();
        final Timed firstWeight = new Timed();
        final Timed lastWeight = new Timed();

        static double add(double total, double amount) {
            return Double.isNaN(total) ? amount : total + amount;
        }

        static final BinaryCodec<Day> CODEC = new BinaryCodec<>() {
            @Override
            public void write(Day d, DataOutputStream out) throws IOException {
                out.writeByte(1);
                BinaryCodec.writeNullableString(out, d.site);
                out.writeLong(d.end);
                out.writeInt(d.light.size());
                for (Map.Entry<String, Double> entry : d.light.entrySet()) {
                    out.writeUTF(entry.getKey());
                    out.writeDouble(entry.getValue());
                }
                out.writeDouble(d.feed);
                out.writeDouble(d.deaths);
                out.writeDouble(d.eggs);
                out.writeDouble(d.birdsSum);
                out.writeLong(d.birdsCount);
                d.firstBirds.write(out);
                d.lastBirds.write(out);
                d.firstWeight.write(out);
                d.lastWeight.write(out);
            }

            @Override
            public Day read(DataInputStream in) throws IOException {
                BinaryCodec.expectVersion(in, 1, "day");
                Day d = new Day();
                d.site = BinaryCodec.readNullableString(in);
                d.end = in.readLong();
                int series = in.readInt();
                for (int i = 0; i < series; i++) {
                    d.light.put(in.readUTF(), in.readDouble());
                }
                d.feed = in.readDouble();
                d.deaths = in.readDouble();
                d.eggs = in.readDouble();
                d.birdsSum = in.readDouble();
                d.birdsCount = in.readLong();
                d.firstBirds.read(in);
                d.lastBirds.read(in);
                d.firstWeight.read(in);
                d.lastWeight.read(in);
                return d;
            }
        };
    }

    /**
     * The PPFD value a light series holds since {@code from}, until its next value or
     * {@code capEnd} (its time plus the longest gap integrated), whichever comes first.
     */
    static final class PendingLight {
        String room;
        String series;
        long from;
        double ppfd;
        long capEnd;

        static final BinaryCodec<PendingLight> CODEC = new BinaryCodec<>() {
            @Override
            public void write(PendingLight p, DataOutputStream out) throws IOException {
                out.writeByte(1);
                out.writeUTF(p.room);
                out.writeUTF(p.series);
                out.writeLong(p.from);
                out.writeDouble(p.ppfd);
                out.writeLong(p.capEnd);
            }

            @Override
            public PendingLight read(DataInputStream in) throws IOException {
                BinaryCodec.expectVersion(in, 1, "pending light");
                PendingLight p = new PendingLight();
                p.room = in.readUTF();
                p.series = in.readUTF();
                p.from = in.readLong();
                p.ppfd = in.readDouble();
                p.capEnd = in.readLong();
                return p;
            }
        };
    }

    /** What a room's next day starts from: the last weight and bird count of earlier days. */
    static final class Carry {
        final Timed weight = new Timed();
        final Timed birds = new Timed();

        static final BinaryCodec<Carry> CODEC = new BinaryCodec<>() {
            @Override
            public void write(Carry c, DataOutputStream out) throws IOException {
                out.writeByte(1);
                c.weight.write(out);
                c.birds.write(out);
            }

            @Override
            public Carry read(DataInputStream in) throws IOException {
                BinaryCodec.expectVersion(in, 1, "carry");
                Carry c = new Carry();
                c.weight.read(in);
                c.birds.read(in);
                return c;
            }
        };
    }
}
