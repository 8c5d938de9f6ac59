package io.fieldline.bench.pipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine's busy CPU time, summed over every CPU and process, from the first line of {@code /proc/stat}. */
final class MachineCpu {

    private static final Path STAT = Path.of("/proc/stat");

    /** Clock ticks per second of {@code /proc/stat}: USER_HZ, 100 on every Linux architecture Java runs on. */
    private static final long TICKS_PER_SECOND = 100;

    private MachineCpu() {}

    /**
     * @return µs of CPU every CPU spent busy (user, nice, system, irq, softirq, steal) since boot, or -1 when
     *     {@code /proc/stat} cannot be read (not Linux)
     */
    static long busyMicros() {
        try {
            String first = Files.readAllLines(STAT, StandardCharsets.US_ASCII).get(0);
            return busyMicros(first);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** @param cpuLine the aggregate line: {@code cpu  user nice system idle iowait irq softirq steal ...} */
    static long busyMicros(String cpuLine) {
        String[] fields = cpuLine.trim().split("\\s+");
        if (!"cpu".equals(fields[0]) || fields.length < 9) {
            throw new IllegalArgumentException("not the aggregate cpu line of /proc/stat: " + cpuLine);
        }
        long ticks = 0;
        for (int column : new int[] {1, 2, 3, 6, 7, 8}) {
            ticks += Long.parseLong(fields[column]);
        }
        return ticks * (1_000_000 / TICKS_PER_SECOND);
    }
}
