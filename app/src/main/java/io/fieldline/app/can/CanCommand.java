package io.fieldline.app.can;

import picocli.CommandLine.Command;

/** {@code fieldline can}: CAN tools; the work is done by the subcommands. */
@Command(
        name = "can",
        mixinStandardHelpOptions = true,
        description = "CAN bus tools: decode a frame, list a DBC file, replay a candump log into Kafka.",
        subcommands = {CanDecodeCommand.class, CanInspectCommand.class, CanReplayCommand.class})
public final class CanCommand {}
