package io.fieldline.bridge.can;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.can.CanFrame;
import io.fieldline.can.Fixtures;
import io.fieldline.can.decode.DbcDecoder;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Source;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CanReadingMapperTest {

    private static final DbcDecoder DECODER = DbcDecoder.compile(Fixtures.dbc("decode-fixture.dbc"));
    private static final Instant INGEST = Instant.parse("2025-01-01T00:00:00Z");

    private final List<Reading> readings = new ArrayList<>();

    private CanReadingMapper mapper(SignalMapping mapping) {
        return new CanReadingMapper(DECODER, mapping, true, true);
    }

    @Test
    void shouldMapEverySignalToAReadingOfTheSendersDevice() {
        CanFrame frame = CanFrame.classic("can0", 0x100, false, Fixtures.hex("2EFB7BB0045AF3E5"), 1436509052_249713L);

        CanReadingMapper.Outcome outcome = mapper(SignalMapping.defaults()).map(frame, INGEST, readings::add);

        assertThat(outcome).isEqualTo(CanReadingMapper.Outcome.DECODED);
        assertThat(readings).hasSize(8);
        Reading temp = readings.get(0);
        assertThat(temp.getDeviceId()).isEqualTo("can0-Climate");
        assertThat(temp.getSensor()).isEqualTo("Temperature");
        assertThat(temp.getValue()).isEqualTo(-12.34);
        assertThat(temp.getUnit()).isEqualTo("degC");
        assertThat(temp.getSource()).isEqualTo(Source.CAN);
        // timestamp-millis: the reading keeps the frame time to the millisecond.
        assertThat(temp.getEventTime()).isEqualTo(Instant.parse("2015-07-10T06:17:32.249Z"));
        assertThat(temp.getIngestTime()).isEqualTo(INGEST);
        assertThat(temp.getQuality()).isEqualTo(Quality.GOOD);
        assertThat(temp.getAttributes())
                .isEqualTo(Map.of("can.id", "100", "can.message", "IntelBasic", "can.interface", "can0"));
        Reading fan = readings.stream()
                .filter(r -> r.getSensor().equals("FanState"))
                .findFirst()
                .orElseThrow();
        assertThat(fan.getValue()).isEqualTo(2.0);
        assertThat(fan.getAttributes()).containsEntry("label", "High");
        assertThat(fan.getUnit()).isNull();
    }

    @Test
    void shouldApplyRulesThenNodeDevicesThenTemplates() {
        SignalMapping mapping = SignalMapping.parse(
                "{iface}-{node}",
                "{message}.{signal}",
                List.of("Climate=room-a"),
                List.of("*/IntelBasic/Temperature=*/air_temperature", "can1/0x100/Co2=room-b/co2"));
        CanFrame can0 = CanFrame.classic("can0", 0x100, false, Fixtures.hex("2EFB7BB0045AF3E5"), CanFrame.NO_TIMESTAMP);
        CanFrame can1 = CanFrame.classic("can1", 0x100, false, Fixtures.hex("2EFB7BB0045AF3E5"), CanFrame.NO_TIMESTAMP);

        CanReadingMapper m = mapper(mapping);
        m.map(can0, INGEST, readings::add);
        m.map(can1, INGEST, readings::add);

        assertThat(readings.get(0).getDeviceId()).isEqualTo("room-a");
        assertThat(readings.get(0).getSensor()).isEqualTo("air_temperature");
        assertThat(readings.get(1).getSensor()).isEqualTo("IntelBasic.Humidity");
        assertThat(readings.get(0).getEventTime()).isEqualTo(INGEST);
        Reading co2can0 = readings.get(2);
        assertThat(co2can0.getDeviceId()).isEqualTo("room-a");
        Reading co2can1 = readings.get(8 + 2);
        assertThat(co2can1.getDeviceId()).isEqualTo("room-b");
        assertThat(co2can1.getSensor()).isEqualTo("co2");
        assertThat(co2can1.getAttributes()).containsEntry("can.interface", "can1");
    }

    @Test
    void shouldMarkValuesOutsideTheDbcRangeBad() {
        // Humidity 16|8 (0.5) has range [0|100]: raw 0xFA = 250 -> 125 % is out of range.
        CanFrame frame =
                CanFrame.classic("can0", 0x100, false, Fixtures.hex("0000FA0000000000"), CanFrame.NO_TIMESTAMP);
        mapper(SignalMapping.defaults()).map(frame, INGEST, readings::add);
        Reading humidity = readings.stream()
                .filter(r -> r.getSensor().equals("Humidity"))
                .findFirst()
                .orElseThrow();
        assertThat(humidity.getValue()).isEqualTo(125.0);
        assertThat(humidity.getQuality()).isEqualTo(Quality.BAD);
    }

    @Test
    void shouldReportUnknownIdsRemoteFramesAndUndecodableFrames() {
        CanReadingMapper m = mapper(SignalMapping.defaults());
        assertThat(m.map(
                        CanFrame.classic("can0", 0x7AB, false, new byte[8], CanFrame.NO_TIMESTAMP),
                        INGEST,
                        readings::add))
                .isEqualTo(CanReadingMapper.Outcome.UNKNOWN_ID);
        assertThat(m.lastProblem()).isEqualTo("unknown CAN id 7AB on can0: no message in the DBC");
        assertThat(m.map(CanFrame.remote("can0", 0x100, false, 8, CanFrame.NO_TIMESTAMP), INGEST, readings::add))
                .isEqualTo(CanReadingMapper.Outcome.REMOTE);
        assertThat(m.map(
                        CanFrame.classic("can0", 0x400, false, Fixtures.hex("0300000000000000"), CanFrame.NO_TIMESTAMP),
                        INGEST,
                        readings::add))
                .isEqualTo(CanReadingMapper.Outcome.UNDECODABLE);
        assertThat(m.lastProblem()).startsWith("expected multiplexer id 0, 1 or 2, but got 3");
        assertThat(readings).isEmpty();
    }

    @Test
    void shouldRefuseFramesDatedFurtherAheadThanTheToleranceAndKeepOldOnes() {
        CanReadingMapper m = mapper(SignalMapping.defaults());
        // 2100-01-01: a receiver whose clock jumped; its readings would close every open window downstream.
        CanFrame future = CanFrame.classic("can0", 0x100, false, Fixtures.hex("2EFB7BB0045AF3E5"), 4102444800_000000L);

        CanReadingMapper.Outcome outcome = m.map(future, INGEST, readings::add);

        assertThat(outcome).isEqualTo(CanReadingMapper.Outcome.FUTURE_TIMESTAMP);
        assertThat(readings).isEmpty();
        assertThat(m.lastProblem())
                .isEqualTo("frame timestamp is in the future: 2100-01-01T00:00:00Z is more than 300 s "
                        + "after the frame was received (2025-01-01T00:00:00Z) (CAN id 100 on can0)");
        // A minute ahead (a receiver clock slightly fast) and years behind (a replayed log) are fine.
        CanFrame fast = CanFrame.classic("can0", 0x100, false, Fixtures.hex("2EFB7BB0045AF3E5"), 1735689660_000000L);
        CanFrame old = CanFrame.classic("can0", 0x100, false, Fixtures.hex("2EFB7BB0045AF3E5"), 1436509052_249713L);
        assertThat(m.map(fast, INGEST, readings::add)).isEqualTo(CanReadingMapper.Outcome.DECODED);
        assertThat(m.map(old, INGEST, readings::add)).isEqualTo(CanReadingMapper.Outcome.DECODED);
        assertThat(readings).hasSize(16);
        CanReadingMapper strict =
                new CanReadingMapper(DECODER, SignalMapping.defaults(), true, true, java.time.Duration.ofSeconds(30));
        assertThat(strict.map(fast, INGEST, readings::add)).isEqualTo(CanReadingMapper.Outcome.FUTURE_TIMESTAMP);
        assertThat(strict.lastProblem()).contains("more than 30 s after the frame was received");
    }

    @Test
    void shouldDecodeExtendedIdsAndFdFrames() {
        CanReadingMapper m = mapper(SignalMapping.defaults());
        m.map(
                CanFrame.classic("can0", 0x18FEF1FE, true, Fixtures.hex("640000401F000000"), CanFrame.NO_TIMESTAMP),
                INGEST,
                readings::add);
        assertThat(readings).extracting(Reading::getDeviceId).containsOnly("can0-Feeder");
        assertThat(readings.get(1).getValue()).isEqualTo(1000.0);
        assertThat(readings.get(1).getAttributes()).containsEntry("can.id", "18FEF1FE");
        readings.clear();
        byte[] fd = new byte[64];
        fd[0] = (byte) 0xA5;
        m.map(CanFrame.fd("can0", 0x600, false, CanFrame.FD_BRS, fd, CanFrame.NO_TIMESTAMP), INGEST, readings::add);
        assertThat(readings).hasSize(6);
        assertThat(readings.get(0).getValue()).isEqualTo(165.0);
    }

    @Test
    void shouldDecodeTheSignalsThatFitInATruncatedFrame() {
        CanReadingMapper.Outcome o = mapper(SignalMapping.defaults())
                .map(
                        CanFrame.classic("can0", 0x100, false, Fixtures.hex("2EFB7B"), CanFrame.NO_TIMESTAMP),
                        INGEST,
                        readings::add);
        assertThat(o).isEqualTo(CanReadingMapper.Outcome.TRUNCATED);
        assertThat(readings).extracting(Reading::getSensor).containsExactly("Temperature", "Humidity");
    }
}
