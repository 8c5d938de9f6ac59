package io.fieldline.bench.sink;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.sink.SinkConfig;

/**
 * Runs {@link SinkBenchmark} on a freshly started embedded stack (not a test: a main for a developer machine).
 * Arguments: records (default 1,000,000), batch size (5000), write mode (direct-first).
 */
public final class SinkBenchmarkLauncher {

    private SinkBenchmarkLauncher() {}

    /** Arguments after the third of the form key=value are further sink properties. */
    private static java.util.Map<String, String> extra(String[] args) {
        java.util.Map<String, String> props = new java.util.HashMap<>();
        for (int i = 3; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            props.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        return props;
    }

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
        SinkConfig.WriteMode mode = args.length > 2
                ? SinkConfig.WriteMode.valueOf(
                        args[2].toUpperCase(java.util.Locale.ROOT).replace('-', '_'))
                : SinkConfig.WriteMode.DIRECT_FIRST;
        try (EmbeddedStack stack = EmbeddedStack.start()) {
            SinkBenchmark.Settings settings = new SinkBenchmark.Settings(
                    stack.kafka().bootstrapServers(),
                    new HttpSchemaRegistryClient(stack.schemaRegistry().url()),
                    stack.postgres().jdbcUrl(),
                    stack.postgres().user(),
                    stack.postgres().password(),
                    stack.redis().url(),
                    records,
                    1000,
                    10,
                    batch,
                    mode,
                    3,
                    3,
                    extra(args));
            SinkBenchmark.Result result = new SinkBenchmark(settings).run();
            System.out.printf(
                    "%n%d records, batch %d, write mode %s, %d devices x 10 sensors%n%n%s%n",
                    records, batch, mode, 1000, result.toMarkdown());
        }
    }
}
