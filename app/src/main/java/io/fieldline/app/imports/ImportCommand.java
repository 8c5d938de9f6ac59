package io.fieldline.app.imports;

import picocli.CommandLine.Command;

/** {@code fieldline import}: data from files into the pipeline. */
@Command(
        name = "import",
        mixinStandardHelpOptions = true,
        description = "Import data from files into Kafka.",
        subcommands = {CsvImportCommand.class})
public final class ImportCommand {}
