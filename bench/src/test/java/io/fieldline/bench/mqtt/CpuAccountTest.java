package io.fieldline.bench.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CpuAccountTest {

    @Test
    void shouldChargeABusyThreadsCpuTimeToItsGroup() throws Exception {
        CpuAccount account = new CpuAccount(name -> name.startsWith("cpu-account-busy") ? "busy" : "other");
        assumeThat(account.supported())
                .as("thread CPU time measurable on this JVM")
                .isTrue();
        account.start();
        Thread busy = new Thread(CpuAccountTest::spin, "cpu-account-busy");
        busy.start();
        Thread.sleep(500);
        Map<String, Long> byGroup = account.stop();
        busy.interrupt();
        busy.join();

        assertThat(byGroup).containsKeys("busy", CpuAccount.REST);
        // 500 ms of wall time spinning: some of it on a CPU, however busy the machine.
        assertThat(byGroup.get("busy")).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(20));
        assertThat(byGroup.keySet().iterator().next())
                .as("largest first")
                .isEqualTo(byGroup.entrySet().stream()
                        .max(Map.Entry.comparingByValue())
                        .orElseThrow()
                        .getKey());
        assertThat(CpuAccount.format(byGroup, 1000)).contains("busy").contains("us/message");
    }

    private static void spin() {
        long x = 0;
        while (!Thread.currentThread().isInterrupted()) {
            x += System.nanoTime() % 7;
        }
        if (x == 42) {
            System.out.println(x);
        }
    }
}
