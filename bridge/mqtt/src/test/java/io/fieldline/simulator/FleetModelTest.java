package io.fieldline.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.bridge.mqtt.decode.DecodeContext;
import io.fieldline.bridge.mqtt.decode.DecodeResult;
import io.fieldline.bridge.mqtt.decode.JsonReadingDecoder;
import io.fieldline.schemas.avro.Reading;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FleetModelTest {

    private static final Instant MIDNIGHT = Instant.parse("2024-05-01T00:00:00Z");

    /** Samples every device every {@code step} for {@code duration}, as JSON strings (null for dropouts). */
    private static List<String> run(FleetModel fleet, Duration step, Duration duration) {
        List<String> out = new ArrayList<>();
        for (Instant t = MIDNIGHT; t.isBefore(MIDNIGHT.plus(duration)); t = t.plus(step)) {
            for (DeviceModel device : fleet.devices()) {
                DeviceModel.Sample sample = device.sample(t);
                out.add(sample == null ? null : new String(FleetModel.json(sample), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    @Test
    void shouldProduceTheSameMessagesForTheSameSeedAndOthersForAnotherSeed() {
        List<String> first = run(new FleetModel(6, 7, 3.0), Duration.ofMinutes(1), Duration.ofHours(12));
        List<String> again = run(new FleetModel(6, 7, 3.0), Duration.ofMinutes(1), Duration.ofHours(12));
        List<String> other = run(new FleetModel(6, 8, 3.0), Duration.ofMinutes(1), Duration.ofHours(12));

        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void shouldAlternateGrowRoomsAndPoultryHousesTenPerSite() {
        FleetModel fleet = new FleetModel(12, 1, 0);

        assertThat(fleet.devices())
                .extracting(DeviceModel::kind)
                .startsWith(DeviceModel.Kind.GROW_ROOM, DeviceModel.Kind.POULTRY_HOUSE, DeviceModel.Kind.GROW_ROOM);
        assertThat(fleet.devices().get(0).deviceId()).isEqualTo("gr-000");
        assertThat(fleet.devices().get(11).deviceId()).isEqualTo("ph-011");
        assertThat(fleet.devices().get(11).site()).isEqualTo("site-2");
        assertThat(FleetModel.topic("", fleet.devices().get(1)))
                .isEqualTo("sites/site-1/rooms/house-1/devices/ph-001/telemetry");
    }

    @Test
    void shouldFollowTheLightsOfAGrowRoom() {
        DeviceModel room = new FleetModel(1, 3, 0).devices().get(0);
        room.sample(MIDNIGHT);

        DeviceModel.Sample night = room.sample(MIDNIGHT.plus(Duration.ofHours(3)));
        DeviceModel.Sample noon = room.sample(MIDNIGHT.plus(Duration.ofHours(12)));

        assertThat(night.metrics().get("ppfd")).isLessThan(5);
        assertThat(noon.metrics().get("ppfd")).isGreaterThan(500);
        assertThat(noon.metrics().get("air_temperature"))
                .isGreaterThan(night.metrics().get("air_temperature") + 3);
        assertThat(noon.metrics().get("co2")).isGreaterThan(night.metrics().get("co2") + 300);
        assertThat(noon.metrics().get("relative_humidity")).isBetween(30.0, 90.0);
    }

    @Test
    void shouldCountPoultryFeedWaterAndEggsSinceMidnightAndResetThem() {
        DeviceModel house = new FleetModel(2, 3, 0).devices().get(1);
        double previousFeed = 0;
        double eggsAtNine = 0;
        double eggsAtEvening = 0;
        for (Instant t = MIDNIGHT; t.isBefore(MIDNIGHT.plus(Duration.ofHours(23))); t = t.plusSeconds(60)) {
            DeviceModel.Sample sample = house.sample(t);
            double feed = sample.metrics().get("feed_consumed_kg");
            assertThat(feed).isGreaterThanOrEqualTo(previousFeed);
            previousFeed = feed;
            if (t.equals(MIDNIGHT.plus(Duration.ofHours(9)))) {
                eggsAtNine = sample.metrics().get("eggs_produced");
            }
            eggsAtEvening = sample.metrics().get("eggs_produced");
        }
        double birds =
                house.sample(MIDNIGHT.plus(Duration.ofHours(23))).metrics().get("birds");
        assertThat(previousFeed / birds).as("kg of feed per bird per day").isBetween(0.09, 0.14);
        assertThat(eggsAtEvening / birds).as("eggs per hen per day").isBetween(0.8, 0.95);
        assertThat(eggsAtNine).as("most eggs are laid in the morning").isGreaterThan(eggsAtEvening * 0.6);

        DeviceModel.Sample nextDay =
                house.sample(MIDNIGHT.plus(Duration.ofHours(24)).plusSeconds(30));
        assertThat(nextDay.metrics().get("feed_consumed_kg")).isLessThan(1);
        assertThat(nextDay.metrics().get("eggs_produced")).isZero();
    }

    @Test
    void shouldInjectDropoutsClimateFailuresStuckAndDriftingSensorsAndSpikes() {
        FleetModel fleet = new FleetModel(10, 11, 5.0);
        Set<DeviceModel.Fault> seen = EnumSet.noneOf(DeviceModel.Fault.class);
        int dropouts = 0;
        double hottest = Double.NEGATIVE_INFINITY;
        for (Instant t = MIDNIGHT; t.isBefore(MIDNIGHT.plus(Duration.ofDays(2))); t = t.plusSeconds(30)) {
            for (DeviceModel device : fleet.devices()) {
                DeviceModel.Sample sample = device.sample(t);
                if (sample == null) {
                    dropouts++;
                    seen.add(DeviceModel.Fault.DROPOUT);
                    continue;
                }
                seen.add(sample.fault());
                if (sample.fault() == DeviceModel.Fault.CLIMATE_FAILURE) {
                    hottest = Math.max(hottest, sample.metrics().get("air_temperature"));
                }
            }
        }
        assertThat(seen).containsAll(EnumSet.allOf(DeviceModel.Fault.class));
        assertThat(dropouts).isPositive();
        assertThat(hottest)
                .as("a climate failure pushes temperature out of band")
                .isGreaterThan(28);
        assertThat(fleet.devices().stream().mapToLong(DeviceModel::spikes).sum())
                .isPositive();
        assertThat(fleet.devices().stream()
                        .mapToLong(DeviceModel::faultsStarted)
                        .sum())
                .isGreaterThan(10);
    }

    @Test
    void shouldInjectNoFaultAtFaultRateZero() {
        FleetModel fleet = new FleetModel(4, 11, 0);

        List<String> messages = run(fleet, Duration.ofSeconds(30), Duration.ofHours(24));

        assertThat(messages).doesNotContainNull().noneMatch(m -> m.contains("sim.fault"));
    }

    @Test
    void shouldPublishJsonTheBridgeDecodesMetricByMetricWithUnits() {
        DeviceModel house = new FleetModel(2, 5, 0).devices().get(1);
        DeviceModel.Sample sample = house.sample(MIDNIGHT.plus(Duration.ofHours(10)));

        DecodeResult result = new JsonReadingDecoder()
                .decode(FleetModel.json(sample), DecodeContext.forDevice(house.deviceId(), Instant.now()));

        assertThat(result).isInstanceOf(DecodeResult.Decoded.class);
        List<Reading> readings = ((DecodeResult.Decoded) result).readings();
        assertThat(readings)
                .extracting(Reading::getSensor)
                .containsExactlyElementsOf(sample.metrics().keySet());
        assertThat(readings).allSatisfy(r -> {
            assertThat(r.getUnit()).isNotNull();
            assertThat(r.getEventTime()).isEqualTo(sample.time());
        });
    }

    @Test
    void shouldRejectNonsenseOptions() {
        assertThatThrownBy(() -> new SimulatorOptions("tcp://x:1", "c", 0, 1, 1, 1, 1, ""))
                .hasMessageContaining("devices");
        assertThatThrownBy(() -> new SimulatorOptions("tcp://x:1", "c", 1, 0, 1, 1, 1, ""))
                .hasMessageContaining("rate");
        assertThatThrownBy(() -> new SimulatorOptions("tcp://x:1", "c", 1, 1, 1, 3, 1, ""))
                .hasMessageContaining("qos");
    }

    @Test
    void shouldGiveEachOfADevicesMessagesItsOwnTimeEvenWithinOneMillisecond() {
        DeviceModel device = new FleetModel(1, 3, 0).devices().get(0);
        java.time.Instant now = java.time.Instant.parse("2026-12-05T12:00:00.123Z");
        DeviceModel.Sample first = device.sample(now);
        DeviceModel.Sample second = device.sample(now);
        DeviceModel.Sample third = device.sample(now.plusNanos(500_000));
        assertThat(first.time()).isEqualTo(now);
        assertThat(second.time()).isEqualTo(now.plusMillis(1));
        assertThat(third.time()).isEqualTo(now.plusMillis(2));
    }
}
