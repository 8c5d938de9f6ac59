package io.fieldline.bench.mqtt;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Where a benchmark round's CPU time went, by component: the CPU time of each live thread between
 * two snapshots, grouped by a classifier of thread names, and the rest of the process (threads
 * that ended in between, the JIT compiler, the garbage collector) as one more group.
 */
final class CpuAccount {

    /**
     * Group of the process CPU time not found on a thread that lived through both snapshots: the
     * JIT compiler and garbage collector threads (not Java threads) and threads that ended.
     */
    static final String REST = "JIT compiler, GC, threads that ended (publishers)";

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Function<String, String> classifier;
    private final Map<Long, Long> startByThread = new HashMap<>();
    private long startProcess;

    CpuAccount(Function<String, String> classifier) {
        this.classifier = classifier;
    }

    /** Whether this JVM measures per-thread and process CPU time. */
    boolean supported() {
        return threads.isThreadCpuTimeSupported() && processCpuNanos() >= 0;
    }

    /** Takes the first snapshot. */
    void start() {
        if (!supported()) {
            return;
        }
        threads.setThreadCpuTimeEnabled(true);
        startByThread.clear();
        for (long id : threads.getAllThreadIds()) {
            long cpu = threads.getThreadCpuTime(id);
            if (cpu >= 0) {
                startByThread.put(id, cpu);
            }
        }
        startProcess = processCpuNanos();
    }

    /** CPU nanoseconds per group since {@link #start()}, largest first; empty when not supported. */
    Map<String, Long> stop() {
        if (!supported()) {
            return Map.of();
        }
        long process = processCpuNanos() - startProcess;
        Map<String, Long> byGroup = new HashMap<>();
        long accounted = 0;
        for (long id : threads.getAllThreadIds()) {
            Long start = startByThread.get(id);
            long cpu = threads.getThreadCpuTime(id);
            ThreadInfo info = threads.getThreadInfo(id);
            if (cpu < 0 || info == null) {
                continue;
            }
            long used = cpu - (start == null ? 0 : start);
            byGroup.merge(classifier.apply(info.getThreadName()), used, Long::sum);
            accounted += used;
        }
        byGroup.merge(REST, Math.max(0, process - accounted), Long::sum);
        return byGroup.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
    }

    /** One line per group: CPU ms, microseconds per message, share of the process. */
    static String format(Map<String, Long> byGroup, int messages) {
        long total = byGroup.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, Long> entry : byGroup.entrySet()) {
            if (entry.getValue() < 500_000) {
                continue; // idle threads (keep-alive pingers and the like)
            }
            out.append(String.format(
                    Locale.ROOT,
                    "%n  %-46s %7.0f ms CPU  %6.1f us/message  %4.1f %%",
                    entry.getKey(),
                    entry.getValue() / 1e6,
                    entry.getValue() / 1e3 / messages,
                    100.0 * entry.getValue() / Math.max(1, total)));
        }
        return out.toString();
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }
}
