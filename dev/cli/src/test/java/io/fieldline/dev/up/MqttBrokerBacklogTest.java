package io.fieldline.dev.up;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.embedded.MqttBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MqttBrokerBacklogTest {

    private final AtomicLong incoming = new AtomicLong();
    private final AtomicLong outgoing = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final MqttBrokerBacklog backlog = new MqttBrokerBacklog(
            () -> new MqttBroker.PublishCounts(incoming.get(), outgoing.get(), 0),
            acknowledged::get,
            meters,
            Duration.ofMillis(600));

    @Test
    void shouldWarnOnlyWhenTheBacklogStaysHighAndClearWhenItDrains() {
        backlog.observe(5_000, 0);
        backlog.observe(5_000, TimeUnit.SECONDS.toNanos(9));
        assertThat(backlog.warned()).as("9 s of backlog is a burst").isFalse();
        backlog.observe(6_000, TimeUnit.SECONDS.toNanos(10));
        assertThat(backlog.warned()).isTrue();
        backlog.observe(800, TimeUnit.SECONDS.toNanos(11));
        assertThat(backlog.warned())
                .as("between half the threshold and the threshold: unchanged")
                .isTrue();
        backlog.observe(100, TimeUnit.SECONDS.toNanos(12));
        assertThat(backlog.warned()).isFalse();
        assertThat(backlog.summary()).containsEntry("largest backlog", 6_000L);
    }

    @Test
    void shouldReportWhatTheBrokerStillHeldWhenTheDrainRunsOut() {
        backlog.start();
        incoming.set(10_000);
        outgoing.set(9_000);
        acknowledged.set(8_500);
        assertThat(meters.get("fieldline.embedded.mqtt.backlog").gauge().value())
                .isEqualTo(1_000.0);
        backlog.close();
        // 1,000 still queued in the broker, and 500 sent but not yet acknowledged by the bridge.
        assertThat(backlog.summary()).containsEntry("backlog left at stop", 1_500L);
        assertThat(meters.find("fieldline.embedded.mqtt.backlog").gauge())
                .as("meters removed at close")
                .isNull();
    }

    @Test
    void shouldEndTheDrainAsSoonAsTheBridgeHasTakenEverything() {
        backlog.start();
        incoming.set(10_000);
        outgoing.set(10_000);
        acknowledged.set(10_000);
        long begin = System.nanoTime();
        backlog.close();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin)).isLessThan(500);
        assertThat(backlog.summary()).containsEntry("backlog left at stop", 0L);
    }
}
