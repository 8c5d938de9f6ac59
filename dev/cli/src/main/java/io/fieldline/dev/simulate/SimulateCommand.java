package io.fieldline.dev.simulate;

import picocli.CommandLine.Command;

/** {@code fieldline simulate}: device simulators. */
@Command(
        name = "simulate",
        mixinStandardHelpOptions = true,
        description = "Simulate a device fleet.",
        subcommands = {SimulateMqttCommand.class})
public final class SimulateCommand {}
