package io.fieldline.bench.pipeline;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What a measured window cost the machine: CPU time of this JVM by component (every live thread's CPU time between
 * two snapshots, grouped by a classifier of thread names, the rest of the process as one group: JIT compiler, GC and
 * threads that ended), CPU time of each child process (the embedded PostgreSQL and Redis run as children; read from
 * {@code /proc}), resident memory of this JVM and of the children, and garbage-collection time.
 */
public final class ProcessSampler {

    /** Group of the process CPU time not found on a Java thread that lived through both snapshots. */
    public static final String REST = "JVM: JIT compiler, GC, threads that ended";

    /** Linux reports process CPU times in clock ticks of 1/100 s on every architecture the JDK runs on. */
    private static final double TICK_NANOS = 1e7;

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Function<String, String> classifier;
    private final Map<Long, Long> startByThread = new HashMap<>();
    private final Map<Long, long[]> startByChild = new HashMap<>();
    private long startProcess;
    private long startGcMillis;
    private long startGcCount;
    private long startNanos;

    private final List<Long> roots;

    /**
     * @param classifier thread name to component name
     * @param roots      processes that are not this JVM's children but belong to the stack (the embedded PostgreSQL's
     *                   postmaster, which daemonizes): each is counted with its descendants
     */
    public ProcessSampler(Function<String, String> classifier, List<Long> roots) {
        this.classifier = classifier;
        this.roots = List.copyOf(roots);
    }

    /** This JVM's descendants and the roots with theirs. */
    private static List<ProcessHandle> stackProcesses(List<Long> roots) {
        java.util.Map<Long, ProcessHandle> all = new java.util.LinkedHashMap<>();
        ProcessHandle.current().descendants().forEach(p -> all.put(p.pid(), p));
        for (long root : roots) {
            ProcessHandle.of(root).ifPresent(p -> {
                all.put(p.pid(), p);
                p.descendants().forEach(d -> all.put(d.pid(), d));
            });
        }
        return List.copyOf(all.values());
    }

    /**
     * What one window cost.
     *
     * @param seconds      length of the window
     * @param cpuByGroup   CPU nanoseconds by component of this JVM and by child process name, largest first
     * @param jvmRssBytes  resident memory of this JVM at the end of the window
     * @param childRssBytes proportional set size (or resident memory where the kernel has no smaps_rollup) of every
     *                     child process, summed by process name: shared memory (PostgreSQL's buffers) is counted once
     * @param gcMillis     time spent in garbage collection
     * @param gcCount      collections
     */
    public record Cost(
            double seconds,
            Map<String, Long> cpuByGroup,
            long jvmRssBytes,
            Map<String, Long> childRssBytes,
            long gcMillis,
            long gcCount) {

        /** Every process' CPU time, in cores (1.0 = one core busy the whole window). */
        public double cores() {
            return cpuByGroup.values().stream().mapToLong(Long::longValue).sum() / 1e9 / seconds;
        }

        /** Resident memory of the whole stack: this JVM plus the children. */
        public long stackRssBytes() {
            return jvmRssBytes
                    + childRssBytes.values().stream().mapToLong(Long::longValue).sum();
        }

        /** The report's lines. */
        public String format() {
            StringBuilder out = new StringBuilder();
            double total =
                    cpuByGroup.values().stream().mapToLong(Long::longValue).sum();
            out.append(String.format(
                    Locale.ROOT,
                    "  CPU over %.0f s: %.2f cores of %d%n",
                    seconds,
                    cores(),
                    Runtime.getRuntime().availableProcessors()));
            cpuByGroup.forEach((group, nanos) -> {
                if (nanos >= 5_000_000) {
                    out.append(String.format(
                            Locale.ROOT,
                            "    %-52s %6.3f cores  %5.1f %%%n",
                            group,
                            nanos / 1e9 / seconds,
                            100.0 * nanos / Math.max(1, total)));
                }
            });
            out.append(String.format(
                    Locale.ROOT,
                    "  GC: %d ms in %d collections (%.1f %% of the window)%n",
                    gcMillis,
                    gcCount,
                    100.0 * gcMillis / 1000 / seconds));
            out.append(String.format(Locale.ROOT, "  Resident memory: JVM %.0f MB", jvmRssBytes / 1e6));
            childRssBytes.forEach(
                    (name, bytes) -> out.append(String.format(Locale.ROOT, ", %s %.0f MB", name, bytes / 1e6)));
            out.append(String.format(Locale.ROOT, "; whole stack %.0f MB%n", stackRssBytes() / 1e6));
            return out.toString();
        }
    }

    /** Takes the first snapshot. */
    public void start() {
        startNanos = System.nanoTime();
        if (threads.isThreadCpuTimeSupported()) {
            threads.setThreadCpuTimeEnabled(true);
        }
        startByThread.clear();
        for (long id : threads.getAllThreadIds()) {
            long cpu = threads.getThreadCpuTime(id);
            if (cpu >= 0) {
                startByThread.put(id, cpu);
            }
        }
        startByChild.clear();
        for (ProcessHandle child : stackProcesses(roots)) {
            long[] cpu = childCpu(child.pid());
            if (cpu != null) {
                startByChild.put(child.pid(), cpu);
            }
        }
        startProcess = processCpuNanos();
        startGcMillis = gcMillis();
        startGcCount = gcCount();
    }

    /** What the window since {@link #start()} cost. */
    public Cost stop() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        long process = processCpuNanos() - startProcess;
        Map<String, Long> byGroup = new HashMap<>();
        long accounted = 0;
        if (threads.isThreadCpuTimeSupported()) {
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
        }
        byGroup.merge(REST, Math.max(0, process - accounted), Long::sum);
        Map<String, Long> childRss = new LinkedHashMap<>();
        List<ProcessHandle> children = stackProcesses(roots);
        for (ProcessHandle child : children) {
            long[] cpu = childCpu(child.pid());
            if (cpu == null) {
                continue;
            }
            long[] start = startByChild.getOrDefault(child.pid(), new long[] {0});
            String name = "process: " + comm(child.pid()).replaceAll("[-.:0-9]+$", "");
            byGroup.merge(name, (long) ((cpu[0] - start[0]) * TICK_NANOS), Long::sum);
            childRss.merge(name.substring("process: ".length()), memoryBytes(child.pid()), Long::sum);
        }
        Map<String, Long> sorted = byGroup.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
        return new Cost(
                seconds,
                sorted,
                statusKb(Path.of("/proc/self/status"), "VmRSS:") * 1024,
                childRss,
                gcMillis() - startGcMillis,
                gcCount() - startGcCount);
    }

    /** Resident memory of this JVM, its children and the roots now, bytes (the whole stack when every server is embedded). */
    public static long stackRssNow(List<Long> roots) {
        long total = statusKb(Path.of("/proc/self/status"), "VmRSS:") * 1024;
        for (ProcessHandle child : stackProcesses(roots)) {
            total += memoryBytes(child.pid());
        }
        return total;
    }

    /** utime + stime in ticks, or null when the process is gone or /proc is absent. */
    private static long[] childCpu(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name is in parentheses and may hold spaces: fields count from after the last ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(fields[11]) + Long.parseLong(fields[12])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "comm"))
                    .trim();
        } catch (IOException e) {
            return "pid " + pid;
        }
    }

    /** Proportional set size when the kernel reports it (shared pages split between their users), else RSS. */
    private static long memoryBytes(long pid) {
        long pss = statusKb(Path.of("/proc", Long.toString(pid), "smaps_rollup"), "Pss:");
        return (pss > 0 ? pss : statusKb(Path.of("/proc", Long.toString(pid), "status"), "VmRSS:")) * 1024;
    }

    private static long statusKb(Path file, String field) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionTime)
                .filter(t -> t >= 0)
                .sum();
    }

    private static long gcCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionCount)
                .filter(t -> t >= 0)
                .sum();
    }
}
