package io.fieldline.bench.schemas;

import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.InMemorySchemaRegistryClient;
import io.fieldline.schemas.serde.AvroDeserializer;
import io.fieldline.schemas.serde.AvroSerializer;
import io.fieldline.schemas.serde.ConfluentWireFormat;
import io.fieldline.schemas.serde.internal.EncodingBuffer;
import io.fieldline.schemas.serde.internal.RandomReadings;
import io.fieldline.schemas.serde.internal.ReadingCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Encode and decode throughput of one typical {@link Reading} on one thread: Avro's
 * {@code SpecificDatumWriter}/{@code SpecificDatumReader} as the serde used them (direct encoder into the
 * serializer's buffer; resolving reader with writer schema = reader schema; decoder reused), the same writer
 * through Avro's buffered encoder (Avro at its fastest), {@link ReadingCodec}, and the whole
 * {@link AvroSerializer#serialize}/{@link AvroDeserializer#deserialize} (Confluent header, cached schema id).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ReadingCodecBenchmark {

    private static final String TOPIC = "telemetry.readings";

    private Reading reading;
    private byte[] avro;
    private byte[] framed;

    private final EncodingBuffer buffer = new EncodingBuffer();
    private final ByteArrayOutputStream bufferedOut = new ByteArrayOutputStream(256);
    private BinaryEncoder bufferedEncoder;
    private BinaryDecoder decoder;
    private SpecificDatumWriter<Reading> specificWriter;
    private SpecificDatumReader<Reading> specificReader;
    private AvroSerializer<Reading> serializer;
    private AvroDeserializer<Reading> deserializer;

    @Setup
    public void setUp() throws IOException {
        reading = RandomReadings.typical();
        specificWriter = new SpecificDatumWriter<>(
                Reading.getClassSchema(), SpecificData.getForSchema(Reading.getClassSchema()));
        specificReader = new SpecificDatumReader<>(
                Reading.getClassSchema(),
                Reading.getClassSchema(),
                SpecificData.getForSchema(Reading.getClassSchema()));
        bufferedEncoder = EncoderFactory.get().binaryEncoder(bufferedOut, null);

        InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
        serializer = new AvroSerializer<>(registry, false);
        deserializer = new AvroDeserializer<>(registry, Reading.class);
        framed = serializer.serialize(TOPIC, reading);
        avro = Arrays.copyOfRange(framed, ConfluentWireFormat.HEADER_SIZE, framed.length);

        // The comparison is void if the two do not do the same work.
        buffer.reset();
        ReadingCodec.encode(reading, buffer);
        if (!Arrays.equals(buffer.toByteArray(), avro)
                || !ReadingCodec.decode(avro, 0, avro.length).equals(reading)
                || !deserializer.deserialize(TOPIC, framed).equals(reading)) {
            throw new IllegalStateException("ReadingCodec and Avro disagree on the benchmark reading");
        }
    }

    @Benchmark
    public int encodeSpecificDatumWriter() throws IOException {
        buffer.reset();
        specificWriter.write(reading, buffer.encoder());
        return buffer.size();
    }

    @Benchmark
    public int encodeSpecificDatumWriterBuffered() throws IOException {
        bufferedOut.reset();
        specificWriter.write(reading, bufferedEncoder);
        bufferedEncoder.flush();
        return bufferedOut.size();
    }

    @Benchmark
    public int encodeReadingCodec() {
        buffer.reset();
        ReadingCodec.encode(reading, buffer);
        return buffer.size();
    }

    @Benchmark
    public Reading decodeSpecificDatumReader() throws IOException {
        decoder = DecoderFactory.get().binaryDecoder(avro, 0, avro.length, decoder);
        return specificReader.read(null, decoder);
    }

    @Benchmark
    public Reading decodeReadingCodec() {
        return ReadingCodec.decode(avro, 0, avro.length);
    }

    @Benchmark
    public byte[] serializeAvroSerializer() {
        return serializer.serialize(TOPIC, reading);
    }

    @Benchmark
    public Reading deserializeAvroDeserializer() {
        return deserializer.deserialize(TOPIC, framed);
    }
}
