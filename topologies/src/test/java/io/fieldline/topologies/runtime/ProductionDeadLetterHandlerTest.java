package io.fieldline.topologies.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.schemas.DeadLetterHeaders;
import io.fieldline.schemas.registry.SchemaRegistryException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.Response;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.Result;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.SerializationExceptionOrigin;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

class ProductionDeadLetterHandlerTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final ProductionDeadLetterHandler handler = new ProductionDeadLetterHandler();
    private final ProducerRecord<byte[], byte[]> output = new ProducerRecord<>("telemetry.alerts", new byte[0]);

    ProductionDeadLetterHandlerTest() {
        handler.configure(Map.of(
                StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG,
                "deadletter.streams",
                DeadLetterHandler.METER_REGISTRY_CONFIG,
                meters));
    }

    /** Where the failing output came from: offset 7 of the enriched readings. */
    private static ErrorHandlerContext context() {
        return new ErrorHandlerContext() {
            @Override
            public String topic() {
                return "telemetry.readings.enriched";
            }

            @Override
            public int partition() {
                return 2;
            }

            @Override
            public long offset() {
                return 7;
            }

            @Override
            public Headers headers() {
                return new RecordHeaders();
            }

            @Override
            public String processorNodeId() {
                return "alerts-sink";
            }

            @Override
            public TaskId taskId() {
                return new TaskId(0, 2);
            }

            @Override
            public long timestamp() {
                return 1_000L;
            }

            @Override
            public byte[] sourceRawKey() {
                return "dev-1".getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public byte[] sourceRawValue() {
                return "reading".getBytes(StandardCharsets.UTF_8);
            }
        };
    }

    @Test
    void shouldDeadLetterTheInputRecordWhenItsOutputCannotBeEncoded() {
        Response response = handler.handleSerializationError(
                context(),
                output,
                new SerializationException("null in a non-null field"),
                SerializationExceptionOrigin.VALUE);

        assertThat(response.result()).isEqualTo(Result.RESUME);
        List<ProducerRecord<byte[], byte[]>> dead = response.deadLetterQueueRecords();
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).topic()).isEqualTo("deadletter.streams");
        assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("reading");
        assertThat(new String(
                        dead.get(0)
                                .headers()
                                .lastHeader(DeadLetterHeaders.REASON)
                                .value(),
                        StandardCharsets.UTF_8))
                .contains("telemetry.alerts")
                .contains("null in a non-null field");
        assertThat(new String(
                        dead.get(0)
                                .headers()
                                .lastHeader(DeadLetterHeaders.SOURCE_OFFSET)
                                .value(),
                        StandardCharsets.UTF_8))
                .isEqualTo("7");
        assertThat(meters.get(DeadLetterHandler.COUNTER)
                        .tag("topic", "telemetry.readings.enriched")
                        .tag("reason", DeadLetterHandler.REASON_SERIALIZATION)
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void shouldFailOnRegistryFailuresAndRetryRetriableSendErrorsWithoutDeadLetters() {
        Response unreachable = handler.handleSerializationError(
                context(),
                output,
                new SchemaRegistryException(
                        "down", SchemaRegistryException.NO_STATUS, SchemaRegistryException.NO_STATUS),
                SerializationExceptionOrigin.VALUE);
        Response refused = handler.handleSerializationError(
                context(),
                output,
                new SerializationException("cannot register", new SchemaRegistryException("incompatible", 409, 409)),
                SerializationExceptionOrigin.VALUE);
        Response send = handler.handleError(context(), output, new NotEnoughReplicasException("min.insync.replicas"));

        assertThat(unreachable.result()).isEqualTo(Result.FAIL);
        assertThat(refused.result()).isEqualTo(Result.FAIL);
        assertThat(send.result()).isEqualTo(Result.RETRY);
        assertThat(List.of(unreachable, refused, send))
                .allSatisfy(r -> assertThat(r.deadLetterQueueRecords()).isEmpty());
        assertThat(meters.find(DeadLetterHandler.COUNTER).counter()).isNull();
    }
}
