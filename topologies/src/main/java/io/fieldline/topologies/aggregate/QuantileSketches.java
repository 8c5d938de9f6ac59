package io.fieldline.topologies.aggregate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketchProtoBinding;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import com.datadoghq.sketch.ddsketch.store.SparseStore;
import com.datadoghq.sketch.ddsketch.store.Store;
import com.google.protobuf.InvalidProtocolBufferException;

/**
 * The quantile sketches of one application: DDSketch with a logarithmic index mapping (so the
 * relative-accuracy guarantee is exact: every quantile estimate is within {@code relativeAccuracy}
 * of the true value, relatively) and dense stores that collapse their lowest bins past
 * {@code maxBins} (bounded memory; only values nearest zero lose accuracy, and only beyond a
 * dynamic range of about {@code (1 + 2 * accuracy)^maxBins}).
 *
 * <p>Two encodings: the compact DDSketch binary encoding without the index mapping, for state
 * stores (every update writes one); and the standard DDSketch protobuf message for
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

    /** Compact state encoding (the index mapping is implied by the settings). */
    public byte[] encodeCompact(DDSketch sketch) {
        GrowingByteArrayOutput output = GrowingByteArrayOutput.withInitialCapacity(64);
        try {
            sketch.encode(output, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return output.trimmedCopy();
    }

    /** Reads {@link #encodeCompact}. */
    public DDSketch decodeCompact(byte[] bytes) {
        try {
            return DDSketch.decode(ByteArrayInput.wrap(bytes), stores, mapping);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
            return DDSketchProtoBinding.fromProto(stores,
                    com.datadoghq.sketch.ddsketch.proto.DDSketch.parseFrom(bytes.duplicate()));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("Not a DDSketch protobuf message", e);
        }
    }
}
