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

    /** {@code fieldline config docs}: writes docs/configuration.md from the definitions. */
    @Command(
            name = "docs",
            mixinStandardHelpOptions = true,
            description = "Print (or write) the configuration reference as Markdown.")
    static final class Docs implements Callable<Integer> {

        @Option(
                names = {"-o", "--output"},
                paramLabel = "FILE",
                description = "Write to this file instead of standard output.")
        Path output;

        @Override
        public Integer call() throws Exception {
            String markdown = ConfigReference.markdown();
            if (output == null) {
                System.out.print(markdown);
            } else {
                Files.writeString(output, markdown, StandardCharsets.UTF_8);
            }
            return 0;
        }
    }

    /** {@code fieldline config metrics}: writes docs/metrics.md from the catalog of meters. */
    @Command(
            name = "metrics",
            mixinStandardHelpOptions = true,
            description = "Print (or write) the reference of the metrics on /metrics as Markdown.")
    static final class Metrics implements Callable<Integer> {

        @Option(
                names = {"-o", "--output"},
                paramLabel = "FILE",
                description = "Write to this file instead of standard output.")
        Path output;

        @Override
        public Integer call() throws Exception {
            String markdown = MetricsReference.markdown();
            if (output == null) {
                System.out.print(markdown);
            } else {
                Files.writeString(output, markdown, StandardCharsets.UTF_8);
            }
            return 0;
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
            problems.forEach(System.err::println);
            if (problems.isEmpty()) {
                System.out.println("Configuration is valid.");
                return 0;
            }
            return 2;
        }
    }
}
