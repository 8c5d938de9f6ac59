package io.fieldline.simulator.can;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.bridge.can.CanReadingMapper;
import io.fieldline.bridge.can.SignalMapping;
import io.fieldline.can.CanFrame;
import io.fieldline.can.candump.CandumpParser;
import io.fieldline.can.dbc.Dbc;
import io.fieldline.can.decode.DbcDecoder;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class DemoCandumpLogTest {

    @Test
    void shouldMatchTheGeneratorSoTheCommittedLogStaysInSync() throws IOException {
        assertThat(bundledLog()).isEqualTo(DemoCandumpLog.lines());
    }

    @Test
    void shouldDecodeEveryDemoFrameIntoPlausibleReadings() throws IOException {
        Dbc dbc = DemoCandumpLog.demoDbc();
        assertThat(dbc.message("SpectrumSensor").orElseThrow().fd()).isTrue();
        assertThat(dbc.message("FeederStatus").orElseThrow().extended()).isTrue();
        CanReadingMapper mapper = new CanReadingMapper(DbcDecoder.compile(dbc), SignalMapping.defaults(), false, true);
        List<Reading> readings = new ArrayList<>();
        Map<CanReadingMapper.Outcome, Integer> outcomes = new EnumMap<>(CanReadingMapper.Outcome.class);
        List<String> lines = bundledLog();
        for (String line : lines) {
            CanFrame frame = CandumpParser.parse(line);
            // Read now: the log's original times lie in the past, as for a replay.
            outcomes.merge(mapper.map(frame, Instant.now(), readings::add), 1, Integer::sum);
        }
        assertThat(outcomes).containsOnlyKeys(CanReadingMapper.Outcome.DECODED);
        assertThat(lines).hasSizeBetween(600, 900);
        assertThat(readings)
                .allSatisfy(r -> assertThat(r.getQuality()).as(r.toString()).isEqualTo(Quality.GOOD));
        assertThat(new TreeSet<>(readings.stream()
                        .map(r -> r.getDeviceId() + "/" + r.getSensor())
                        .toList()))
                .contains(
                        "can0-ClimateCtl/AirTemperature",
                        "can0-ClimateCtl/Co2",
                        "can0-ClimateCtl/Ppfd",
                        "can0-ClimateCtl/FanSpeed",
                        "can0-PoultryNode/FeedWeight",
                        "can0-PoultryNode/WaterMeter",
                        "can0-PoultryNode/Ammonia",
                        "can0-PoultryNode/StaticPressure",
                        "can0-ClimateCtl/CanopyTemperature");
        assertThat(readings)
                .filteredOn(r -> r.getSensor().equals("AirTemperature"))
                .allSatisfy(r -> assertThat(r.getValue()).isBetween(22.0, 26.0));
        assertThat(readings)
                .filteredOn(r -> r.getSensor().equals("ClimateState"))
                .allSatisfy(r -> assertThat(r.getAttributes()).containsKey("label"));
    }

    private static List<String> bundledLog() throws IOException {
        try (InputStream in =
                DemoCandumpLog.class.getResourceAsStream("/io/fieldline/simulator/can/fieldline-demo.log")) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII)
                    .lines()
                    .toList();
        }
    }
}
