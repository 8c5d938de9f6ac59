package io.fieldline.topologies.anomaly;

import io.fieldline.topologies.internal.BinaryCodec;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Detector state of one series: EWMA moments, a ring buffer of the last K values, and the same values kept
 * sorted, so that the median and the MAD are read off in one pass instead of sorting the window twice per
 * reading. The sorted copy is in {@link Double#compare} order, the order {@code Arrays.sort} gives.
 */
final class AnomalyState {

    long count;
    double mean;
    double variance;
    final double[] window;
    /** Index of the slot the next value goes to. */
    int next;
    /** Values in the window, at most {@code window.length}. */
    int size;
    /** The window's values in ascending order, the first {@code size} entries used. */
    final double[] sorted;
    /** For each entry of {@link #sorted}, the ring slot holding it. */
    final int[] sortedSlot;

    AnomalyState(int windowSize) {
        this.window = new double[windowSize];
        this.sorted = new double[windowSize];
        this.sortedSlot = new int[windowSize];
    }

    void push(double value) {
        int count = size;
        if (size == window.length) {
            removeSorted(window[next], next);
            count--;
        }
        insertSorted(value, next, count);
        window[next] = value;
        next = (next + 1) % window.length;
        size = Math.min(size + 1, window.length);
    }

    private void insertSorted(double value, int slot, int count) {
        // After the last equal value: the array stays in Arrays.sort order whatever the ties.
        int at = upperBound(value, count);
        System.arraycopy(sorted, at, sorted, at + 1, count - at);
        System.arraycopy(sortedSlot, at, sortedSlot, at + 1, count - at);
        sorted[at] = value;
        sortedSlot[at] = slot;
    }

    private void removeSorted(double value, int slot) {
        int at = upperBound(value, size) - 1;
        while (at >= 0 && Double.compare(sorted[at], value) == 0 && sortedSlot[at] != slot) {
            at--;
        }
        if (at < 0 || sortedSlot[at] != slot) {
            throw new IllegalStateException("sorted window lost the value " + value + " of slot " + slot);
        }
        System.arraycopy(sorted, at + 1, sorted, at, size - at - 1);
        System.arraycopy(sortedSlot, at + 1, sortedSlot, at, size - at - 1);
    }

    /** The first index whose value compares greater than {@code value}. */
    private int upperBound(double value, int count) {
        int low = 0;
        int high = count;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (Double.compare(sorted[mid], value) <= 0) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    /** A copy of the values in the window, in slot order (order irrelevant to median and MAD). */
    double[] values() {
        double[] values = new double[size];
        System.arraycopy(window, 0, values, 0, size);
        return values;
    }

    static BinaryCodec<AnomalyState> codec(int windowSize) {
        return new BinaryCodec<>() {
            /** 1: moments and the window oldest first. 2: as 1, then each sorted value's age (a short). */
            private static final int VERSION = 2;

            @Override
            public void write(AnomalyState state, DataOutputStream out) throws IOException {
                out.writeByte(VERSION);
                out.writeLong(state.count);
                out.writeDouble(state.mean);
                out.writeDouble(state.variance);
                out.writeInt(state.size);
                // Oldest first, so a state read back with another window size keeps the newest values.
                int oldest = state.size < state.window.length ? 0 : state.next;
                for (int i = 0; i < state.size; i++) {
                    out.writeDouble(state.window[(oldest + i) % state.window.length]);
                }
                // The sorted order as ages (0 = oldest), so reading the state back needs no sort.
                int length = state.window.length;
                for (int i = 0; i < state.size; i++) {
                    out.writeShort((state.sortedSlot[i] - oldest + length) % length);
                }
            }

            /**
             * The same bytes as {@link #write} and {@link #read} (big-endian, as DataOutputStream), through one
             * ByteBuffer of the exact size: the state is written and read back for every reading, and the
             * stream classes' per-value calls were the largest cost left in the application (JMH stack profile).
             */
            @Override
            public Serde<AnomalyState> serde() {
                Serializer<AnomalyState> serializer = (topic, state) -> {
                    if (state == null) {
                        return null;
                    }
                    int size = state.size;
                    ByteBuffer out = ByteBuffer.allocate(1 + 8 + 8 + 8 + 4 + size * 10);
                    out.put((byte) VERSION);
                    out.putLong(state.count);
                    out.putDouble(state.mean);
                    out.putDouble(state.variance);
                    out.putInt(size);
                    int length = state.window.length;
                    int oldest = size < length ? 0 : state.next;
                    for (int i = 0; i < size; i++) {
                        out.putDouble(state.window[(oldest + i) % length]);
                    }
                    for (int i = 0; i < size; i++) {
                        out.putShort((short) ((state.sortedSlot[i] - oldest + length) % length));
                    }
                    return out.array();
                };
                Deserializer<AnomalyState> deserializer = (topic, data) -> {
                    if (data == null) {
                        return null;
                    }
                    try {
                        ByteBuffer in = ByteBuffer.wrap(data);
                        int version = in.get() & 0xff;
                        if (version != VERSION) {
                            return read(new DataInputStream(new ByteArrayInputStream(data)));
                        }
                        AnomalyState state = new AnomalyState(windowSize);
                        state.count = in.getLong();
                        state.mean = in.getDouble();
                        state.variance = in.getDouble();
                        int size = in.getInt();
                        if (size < 0 || size > windowSize) {
                            return read(new DataInputStream(new ByteArrayInputStream(data)));
                        }
                        in.asDoubleBuffer().get(state.window, 0, size);
                        in.position(in.position() + size * 8);
                        for (int i = 0; i < size; i++) {
                            int age = in.getShort() & 0xffff;
                            if (age >= size) {
                                throw new IOException("anomaly state: age " + age + " outside a window of " + size);
                            }
                            state.sorted[i] = state.window[age];
                            state.sortedSlot[i] = age;
                        }
                        state.size = size;
                        state.next = size % windowSize;
                        state.checkSorted();
                        return state;
                    } catch (IOException | BufferUnderflowException e) {
                        throw new SerializationException("Cannot read state value from " + topic, e);
                    }
                };
                return Serdes.serdeFrom(serializer, deserializer);
            }

            @Override
            public AnomalyState read(DataInputStream in) throws IOException {
                int version = in.readUnsignedByte();
                if (version != 1 && version != VERSION) {
                    throw new IOException("Unsupported anomaly state format version " + version);
                }
                AnomalyState state = new AnomalyState(windowSize);
                state.count = in.readLong();
                state.mean = in.readDouble();
                state.variance = in.readDouble();
                int size = in.readInt();
                double[] oldestFirst = new double[size];
                for (int i = 0; i < size; i++) {
                    oldestFirst[i] = in.readDouble();
                }
                if (version == VERSION && size <= windowSize) {
                    System.arraycopy(oldestFirst, 0, state.window, 0, size);
                    for (int i = 0; i < size; i++) {
                        int age = in.readUnsignedShort();
                        if (age >= size) {
                            throw new IOException("anomaly state: age " + age + " outside a window of " + size);
                        }
                        state.sorted[i] = oldestFirst[age];
                        state.sortedSlot[i] = age;
                    }
                    state.size = size;
                    state.next = size % windowSize;
                    state.checkSorted();
                } else {
                    // Version 1, or a smaller window configured since: rebuild (keeps the newest values).
                    for (double value : oldestFirst) {
                        state.push(value);
                    }
                }
                return state;
            }
        };
    }

    private void checkSorted() throws IOException {
        boolean[] seen = new boolean[size];
        for (int i = 0; i < size; i++) {
            if (i > 0 && Double.compare(sorted[i - 1], sorted[i]) > 0 || seen[sortedSlot[i]]) {
                throw new IOException("anomaly state: sorted window out of order at " + i);
            }
            seen[sortedSlot[i]] = true;
        }
    }
}
