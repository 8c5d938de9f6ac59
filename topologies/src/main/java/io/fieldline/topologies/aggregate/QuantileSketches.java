package io.fieldline.topologies.aggregate;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketchProtoBinding;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import com.datadoghq.sketch.ddsketch.store.SparseStore;
import com.datadoghq.sketch.ddsketch.store.Store;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * The quantile sketches of one application: DDSketch with a logarithmic index mapping (so the
 * relative-accuracy guarantee is exact: every quantile estimate is within {@code relativeAccuracy}
 * of the true value, relatively) and dense stores that collapse their lowest bins past
 * {@code maxBins} (bounded memory; only values nearest zero lose accuracy, and only beyond a
 * dynamic range of about {@code (1 + 2 * accuracy)^maxBins}).
 *
 * <p>Two encodings: a compact bin list without the index mapping, for state stores (every update
 * writes one, so it must be cheap); and the standard DDSketch protobuf message for
 * {@code Aggregate.sketch}, which any DDSketch implementation (Java, Go, Python) can read and merge.
 */
public final class QuantileSketches {

    private final double relativeAccuracy;
    private final IndexMapping mapping;
    private final Supplier<Store> stores;

    public QuantileSketches(double relativeAccuracy, int maxBins) {
        this.relativeAccuracy = relativeAccuracy;
        this.mapping = new LogarithmicMapping(relativeAccuracy);
        this.stores = () -> new CollapsingLowestDenseStore(maxBins);
    }

    public double relativeAccuracy() {
        return relativeAccuracy;
    }

    /** An empty sketch. */
    public DDSketch create() {
        return new DDSketch(mapping, stores);
    }

    /**
     * Compact state encoding: the index mapping is implied by the settings, and counts are whole
     * numbers (every value adds 1), so each occupied bin is a zig-zag varint index delta and a
     * varint count, a few bytes, written without floating-point work.
     */
    public byte[] encodeCompact(DDSketch sketch) {
        return encodeCompact(sketch, Math.round(sketch.getCount()));
    }

    /** {@link #encodeCompact(DDSketch)} when the caller knows how many values the sketch holds. */
    byte[] encodeCompact(DDSketch sketch, long count) {
        BinWriter positive = new BinWriter();
        BinWriter negative = new BinWriter();
        long positives = positive.collect(sketch.getPositiveValueStore());
        long negatives = negative.collect(sketch.getNegativeValueStore());
        BinWriter writer = positive;
        writer.varLong(count - positives - negatives);
        return writer.finish(negative);
    }

    /** Reads {@link #encodeCompact}. */
    public DDSketch decodeCompact(byte[] bytes) {
        DDSketch sketch = create();
        int[] position = {0};
        long zeros = readVarLong(bytes, position);
        if (zeros > 0) {
            sketch.accept(0.0, zeros);
        }
        readStore(bytes, position, sketch.getPositiveValueStore());
        readStore(bytes, position, sketch.getNegativeValueStore());
        if (position[0] != bytes.length) {
            throw new IllegalArgumentException("Trailing bytes after a sketch");
        }
        return sketch;
    }

    private static void readStore(byte[] bytes, int[] position, Store store) {
        long bins = readVarLong(bytes, position);
        int index = 0;
        for (long i = 0; i < bins; i++) {
            long delta = readVarLong(bytes, position);
            index += (int) ((delta >>> 1) ^ -(delta & 1));
            store.add(index, readVarLong(bytes, position));
        }
    }

    private static long readVarLong(byte[] bytes, int[] position) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = bytes[position[0]++];
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("Malformed varint in a sketch");
    }

    /** Collects a store's bins, then writes varints into a growing array; no streams, no boxing. */
    private static final class BinWriter {
        private byte[] buffer = new byte[64];
        private int size;
        private int[] indexes = new int[32];
        private long[] counts = new long[32];
        private int bins;

        /** Collects the bins of a store; returns their total count. */
        long collect(Store store) {
            long[] total = {0};
            store.forEach((index, count) -> {
                if (bins == indexes.length) {
                    indexes = Arrays.copyOf(indexes, bins * 2);
                    counts = Arrays.copyOf(counts, bins * 2);
                }
                indexes[bins] = index;
                long whole = Math.round(count);
                counts[bins++] = whole;
                total[0] += whole;
            });
            return total[0];
        }

        /** Writes this writer's bins, then the other's; returns the bytes (zero count first). */
        byte[] finish(BinWriter other) {
            writeBins(this);
            writeBins(other);
            return Arrays.copyOf(buffer, size);
        }

        private void writeBins(BinWriter source) {
            varLong(source.bins);
            int previous = 0;
            for (int i = 0; i < source.bins; i++) {
                int delta = source.indexes[i] - previous;
                previous = source.indexes[i];
                varLong((delta << 1) ^ (delta >> 31));
                varLong(source.counts[i]);
            }
        }

        void varLong(long value) {
            if (size + 10 > buffer.length) {
                buffer = Arrays.copyOf(buffer, buffer.length * 2);
            }
            while ((value & ~0x7fL) != 0) {
                buffer[size++] = (byte) ((value & 0x7f) | 0x80);
                value >>>= 7;
            }
            buffer[size++] = (byte) value;
        }
    }

    /**
     * The DDSketch protobuf message, as carried by {@code Aggregate.sketch}. A store is written
     * either as contiguous counts (8 bytes per bin between its lowest and highest occupied one)
     * or as an index-to-count map (about 11 bytes per occupied bin), whichever is smaller: a
     * minute of a steady signal occupies a few adjacent bins, a bimodal one a few far apart.
     */
    public static ByteBuffer toProtobuf(DDSketch sketch) {
        Store positive = new SparseStore();
        Store negative = new SparseStore();
        sketch.getPositiveValueStore().forEach(positive::add);
        sketch.getNegativeValueStore().forEach(negative::add);
        double zeroCount = sketch.getCount() - positive.getTotalCount() - negative.getTotalCount();
        DDSketch sparse = DDSketch.of(sketch.getIndexMapping(), negative, positive, zeroCount);
        return sparse.serializedSize() < sketch.serializedSize() ? sparse.serialize() : sketch.serialize();
    }

    /**
     * Reads an {@code Aggregate.sketch} back into a mergeable sketch (consumers that merge windows
     * themselves can do the same).
     */
    public DDSketch fromProtobuf(ByteBuffer bytes) {
        try {
            return DDSketchProtoBinding.fromProto(
                    stores, com.datadoghq.sketch.ddsketch.proto.DDSketch.parseFrom(bytes.duplicate()));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("Not a DDSketch protobuf message", e);
        }
    }
}
