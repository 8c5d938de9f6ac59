package io.fieldline.connectors.cdc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.kafka.common.serialization.Serializer;

/** Plain Avro binary, no registry: enough for unit tests of the publishing logic. */
final class AvroBinarySerializer<T extends GenericContainer> implements Serializer<T> {

    static MetadataSerializers metadataSerializers() {
        return new MetadataSerializers(
                new AvroBinarySerializer<>(),
                new AvroBinarySerializer<>(),
                new AvroBinarySerializer<>(),
                new AvroBinarySerializer<>());
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<T>(data.getSchema(), SpecificData.get()).write(data, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
