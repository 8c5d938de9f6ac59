package io.fieldline.bench.cli;

import picocli.CommandLine.Command;

/** {@code fieldline bench}: whole-stage benchmarks, each beside the raw speed of its building block. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description =
                "Measure a whole stage on real servers beside the raw speed of its building block, in the same run.",
        subcommands = {MqttBenchCommand.class, SinkBenchCommand.class, StreamsBenchCommand.class})
public final class BenchCommand {}
