package io.fieldline.app;

import picocli.CommandLine.Command;

/** The top-level {@code fieldline} command; the work is done by its subcommands. */
@Command(name = "fieldline",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Fieldline: device telemetry over MQTT and CAN into Kafka, processed by Kafka Streams, "
                + "stored in PostgreSQL/TimescaleDB and Redis.",
        subcommands = {
            ConfigCommand.class,
            io.fieldline.app.up.UpCommand.class,
            io.fieldline.app.can.CanCommand.class,
            io.fieldline.app.bench.BenchCommand.class,
            io.fieldline.app.mqtt.SimulateCommand.class,
            TailCommand.class,
        })
public final class FieldlineCommand {
}
