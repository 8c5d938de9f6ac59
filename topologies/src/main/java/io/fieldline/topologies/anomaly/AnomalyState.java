package io.fieldline.topologies.anomaly;

import io.fieldline.topologies.internal.BinaryCodec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/** Detector state of one series: EWMA moments and a ring buffer of the last K values. */
final class AnomalyState {

    long count;
    double mean;
    double variance;
    final double[] window;
    /** Index of the slot the next value goes to. */
    int next;
    /** Values in the window, at most {@code window.length}. */
    int size;

    AnomalyState(int windowSize) {
        this.window = new double[windowSize];
    }

    void push(double value) {
        window[next] = value;
        next = (next + 1) % window.length;
        size = Math.min(size + 1, window.length);
    }

    /** A copy of the values in the window (order irrelevant to median and MAD). */
    double[] values() {
        double[] values = new double[size];
        System.arraycopy(window, 0, values, 0, size);
        return values;
    }

    static BinaryCodec<AnomalyState> codec(int windowSize) {
        return new BinaryCodec<>() {
            private static final int VERSION = 1;

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
            }

            @Override
            public AnomalyState read(DataInputStream in) throws IOException {
                BinaryCodec.expectVersion(in, VERSION, "anomaly");
                AnomalyState state = new AnomalyState(windowSize);
                state.count = in.readLong();
                state.mean = in.readDouble();
                state.variance = in.readDouble();
                int size = in.readInt();
                for (int i = 0; i < size; i++) {
                    state.push(in.readDouble());
                }
                return state;
            }
        };
    }
}
