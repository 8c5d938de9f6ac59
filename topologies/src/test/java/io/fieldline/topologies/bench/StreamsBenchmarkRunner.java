package io.fieldline.topologies.bench;

import java.nio.file.Files;

import io.fieldline.embedded.EmbeddedStack;

/**
 * Runs {@link StreamsBenchmark} against a freshly started embedded stack (broker and registry in
 * this JVM, as {@code fieldline up} runs them). Arguments: readings, partitions, threads, guarantee,
 * commit interval (ms).
 * Not part of the test suite (its name ends in neither Test nor IT).
 */
public final class StreamsBenchmarkRunner {

    private StreamsBenchmarkRunner() {
    }

    public static void main(String[] args) throws Exception {
        StreamsBenchmark.Options defaults = StreamsBenchmark.Options.defaults(Files.createTempDirectory("fieldline-bench"));
        StreamsBenchmark.Options options = new StreamsBenchmark.Options(
                args.length > 0 ? Integer.parseInt(args[0]) : defaults.readings(),
                defaults.devices(),
                args.length > 1 ? Integer.parseInt(args[1]) : defaults.partitions(),
                args.length > 2 ? Integer.parseInt(args[2]) : defaults.threads(),
                args.length > 3 ? args[3] : defaults.guarantee(),
                args.length > 4 ? Long.parseLong(args[4]) : defaults.commitIntervalMs(),
                defaults.stateDir());
        try (EmbeddedStack stack = EmbeddedStack.start()) {
            StreamsBenchmark benchmark = new StreamsBenchmark(stack.kafka().bootstrapServers(), stack.schemaRegistry().url());
            System.out.println("RESULT " + benchmark.run(options));
        }
    }
}
