package io.fieldline.app;

import picocli.CommandLine.Command;

/**
 * The top-level {@code fieldline} command of the product build; the work is done by its subcommands.
 * The developer build ({@code io.fieldline.dev.DevMain}) adds {@code up}, {@code simulate} and
 * {@code bench} to the same tree.
 */
@Command(
        name = "fieldline",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Fieldline: device telemetry over MQTT and CAN into Kafka, processed by Kafka Streams, "
                + "stored in PostgreSQL/TimescaleDB and Redis.",
        subcommands = {
            ConfigCommand.class,
            io.fieldline.app.can.CanCommand.class,
            io.fieldline.app.contract.ContractCommand.class,
            DevicesCommand.class,
            io.fieldline.app.ops.DlqCommand.class,
            io.fieldline.app.imports.ImportCommand.class,
            io.fieldline.app.ops.LagCommand.class,
            RunCommand.class,
            TailCommand.class,
            TokensCommand.class,
            io.fieldline.app.ops.TopicsCommand.class,
        })
public final class FieldlineCommand {}
