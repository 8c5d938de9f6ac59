package io.fieldline.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MachineCpuTest {

    @Test
    void shouldSumTheBusyColumnsAndLeaveIdleAndIowaitOut() {
        // user nice system idle iowait irq softirq steal guest guest_nice
        long micros = MachineCpu.busyMicros("cpu  100 2 30 5000 700 4 5 6 0 0");

        assertThat(micros).isEqualTo((100 + 2 + 30 + 4 + 5 + 6) * 10_000L);
    }

    @Test
    void shouldRefuseALineThatIsNotTheAggregate() {
        assertThatThrownBy(() -> MachineCpu.busyMicros("cpu0 1 2 3 4 5 6 7 8"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("aggregate");
    }

    @Test
    void shouldCountTheTimeABusyThreadSpends() {
        long before = MachineCpu.busyMicros();
        assumeThat(before).as("/proc/stat readable").isNotNegative();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
        long spins = 0;
        while (System.nanoTime() < end) {
            spins++;
        }
        long after = MachineCpu.busyMicros();

        assertThat(spins).isPositive();
        // 300 ms of spinning is on a CPU for most of it, however busy the machine (ticks are 10 ms).
        assertThat(after - before).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toMicros(100));
    }
}
