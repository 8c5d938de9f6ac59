package io.fieldline.app;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fieldline config}: the configuration and metrics references, and a validity check. */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = "Configuration reference and validation.",
        subcommands = {ConfigCommand.Docs.class, ConfigCommand.Metrics.class, ConfigCommand.Check.class})
public final class ConfigCommand {

    /** A reference generated from the definitions, printed or written to {@code -o FILE}. */
    private abstract static class Reference implements Callable<Integer> {

        @Option(
                names = {"-o", "--output"},
                paramLabel = "FILE",
                description = "Write to this file instead of standard output.")
        Path output;

        abstract String markdown();

        @Override
        public Integer call() throws Exception {
            String markdown = markdown();
            if (output == null) {
                System.out.print(markdown);
            } else {
                Files.writeString(output, markdown, StandardCharsets.UTF_8);
            }
            return 0;
        }
    }

    /** {@code fieldline config docs}: writes docs/configuration.md from the definitions. */
    @Command(
            name = "docs",
            mixinStandardHelpOptions = true,
            description = "Print (or write) the configuration reference as Markdown.")
    static final class Docs extends Reference {
        @Override
        String markdown() {
            return ConfigReference.markdown();
        }
    }

    /** {@code fieldline config metrics}: writes docs/metrics.md from the catalog of meters. */
    @Command(
            name = "metrics",
            mixinStandardHelpOptions = true,
            description = "Print (or write) the reference of the metrics on /metrics as Markdown.")
    static final class Metrics extends Reference {
        @Override
        String markdown() {
            return MetricsReference.markdown();
        }
    }

    /** {@code fieldline config check}: validates file + environment + --set against every definition. */
    @Command(
            name = "check",
            mixinStandardHelpOptions = true,
            description = "Validate the effective configuration (file, FIELDLINE_* variables, --set).")
    static final class Check implements Callable<Integer> {

        @Mixin
        ConfigOptions config;

        @Override
        public Integer call() {
            List<String> problems = ConfigReference.check(config.load());
            problems.forEach(problem -> System.err.println(io.fieldline.core.net.Redaction.redact(problem)));
            if (problems.isEmpty()) {
                System.out.println("Configuration is valid.");
                return 0;
            }
            return 2;
        }
    }
}
