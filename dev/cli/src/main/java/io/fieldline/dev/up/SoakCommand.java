package io.fieldline.dev.up;

import io.fieldline.app.ConfigOptions;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fieldline bench soak}: the whole pipeline of {@code fieldline up} under a steady load for a long time, its
 * process sampled every {@code --every} seconds: heap in use after the last garbage collection, live threads and
 * open file descriptors. A leak shows as a trend; after the warm-up each of them must stay flat: the last third of
 * the samples against the first third, heap within 25 %, threads within 5, descriptors within 20. Not part of the
 * tests: 30 minutes is the run that counts ({@code docs/benchmarks.md}).
 */
@Command(
        name = "soak",
        mixinStandardHelpOptions = true,
        description = "Run the whole pipeline (as fieldline up) under steady load for --minutes and check that heap "
                + "after GC, threads and file descriptors stay flat; exit 1 when one grows.")
public final class SoakCommand implements Callable<Integer> {

    /** Heap growth allowed between the first and the last third of the samples. */
    static final double HEAP_GROWTH = 0.25;

    static final int THREAD_GROWTH = 5;
    static final int FD_GROWTH = 20;

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Option(
            names = "--minutes",
            paramLabel = "N",
            defaultValue = "30",
            description = "How long (default: ${DEFAULT-VALUE}).")
    long minutes;

    @Option(
            names = "--warmup",
            paramLabel = "MINUTES",
            defaultValue = "3",
            description = "Samples ignored at the start (default: ${DEFAULT-VALUE}).")
    long warmupMinutes;

    @Option(
            names = "--every",
            paramLabel = "SECONDS",
            defaultValue = "30",
            description = "Sampling interval (default: ${DEFAULT-VALUE}).")
    long everySeconds;

    @Option(
            names = "--devices",
            paramLabel = "N",
            defaultValue = "100",
            description = "Simulated devices (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(
            names = "--rate",
            paramLabel = "MSG_PER_S",
            defaultValue = "200",
            description = "Messages per second (default: ${DEFAULT-VALUE}).")
    double rate;

    private final PrintStream out = System.out;

    /** One look at the process. */
    record Sample(long atSeconds, long heapAfterGcBytes, int threads, long fds) {}

    @Override
    public Integer call() throws Exception {
        if (minutes < 1 || warmupMinutes < 0 || warmupMinutes >= minutes || everySeconds < 1) {
            throw new IllegalArgumentException("need --minutes >= 1, 0 <= --warmup < --minutes, --every >= 1");
        }
        List<Sample> samples = new ArrayList<>();
        long begin = System.nanoTime();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "soak-sampler");
            thread.setDaemon(true);
            return thread;
        });
        sampler.scheduleAtFixedRate(
                () -> {
                    Sample sample = sample(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - begin));
                    synchronized (samples) {
                        samples.add(sample);
                    }
                },
                everySeconds,
                everySeconds,
                TimeUnit.SECONDS);
        UpCommand up = new UpCommand();
        up.configOptions = configOptions;
        up.durationSeconds = TimeUnit.MINUTES.toSeconds(minutes);
        up.devices = devices;
        up.rate = rate;
        // Faults would raise and clear alerts at random: a soak wants the same work all along.
        up.faultRate = 0;
        up.drainSeconds = 45;
        int code;
        try {
            code = up.call();
        } finally {
            sampler.shutdownNow();
        }
        List<Sample> steady;
        synchronized (samples) {
            steady = samples.stream()
                    .filter(s -> s.atSeconds() >= TimeUnit.MINUTES.toSeconds(warmupMinutes)
                            && s.atSeconds() <= TimeUnit.MINUTES.toSeconds(minutes))
                    .toList();
        }
        return report(steady) && code == 0 ? 0 : 1;
    }

    static Sample sample(long atSeconds) {
        long heap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
                heap += pool.getCollectionUsage().getUsed();
            }
        }
        long fds = -1;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            fds = unix.getOpenFileDescriptorCount();
        }
        return new Sample(atSeconds, heap, ManagementFactory.getThreadMXBean().getThreadCount(), fds);
    }

    private boolean report(List<Sample> steady) {
        out.println("\nSoak: heap in use after GC, live threads and open file descriptors of the process");
        out.printf("  %8s %12s %8s %8s%n", "t (s)", "heap (MB)", "threads", "fds");
        for (Sample s : steady) {
            out.printf("  %8d %12.1f %8d %8d%n", s.atSeconds(), s.heapAfterGcBytes() / 1e6, s.threads(), s.fds());
        }
        if (steady.size() < 6) {
            out.println("  Too few samples after the warm-up to judge (need 6): run longer or sample more often.");
            return false;
        }
        int third = steady.size() / 3;
        List<Sample> first = steady.subList(0, third);
        List<Sample> last = steady.subList(steady.size() - third, steady.size());
        double heapFirst =
                median(first.stream().mapToDouble(Sample::heapAfterGcBytes).toArray());
        double heapLast =
                median(last.stream().mapToDouble(Sample::heapAfterGcBytes).toArray());
        double threadsFirst = median(first.stream().mapToDouble(Sample::threads).toArray());
        double threadsLast = median(last.stream().mapToDouble(Sample::threads).toArray());
        double fdsFirst = median(first.stream().mapToDouble(Sample::fds).toArray());
        double fdsLast = median(last.stream().mapToDouble(Sample::fds).toArray());
        boolean heapFlat = heapLast <= heapFirst * (1 + HEAP_GROWTH);
        boolean threadsFlat = threadsLast - threadsFirst <= THREAD_GROWTH;
        boolean fdsFlat = fdsLast - fdsFirst <= FD_GROWTH;
        out.printf(
                "  heap after GC: %.1f MB -> %.1f MB (median of the first and last third) %s%n",
                heapFirst / 1e6, heapLast / 1e6, heapFlat ? "flat" : "GROWING");
        out.printf("  threads: %.0f -> %.0f %s%n", threadsFirst, threadsLast, threadsFlat ? "flat" : "GROWING");
        out.printf("  file descriptors: %.0f -> %.0f %s%n", fdsFirst, fdsLast, fdsFlat ? "flat" : "GROWING");
        out.flush();
        return heapFlat && threadsFlat && fdsFlat;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
