package io.fieldline.app;

import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;

/** Entry point of the {@code fieldline} command line. */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        configureLogging();
        run(commandLine(), args);
    }

    /**
     * Names Fieldline's logback configuration. Must run before the first logger is created, hence
     * before the command tree is built (commands hold static loggers): HiveMQ and tahu ship a
     * logback.xml of their own, which logback would otherwise find first and log at DEBUG.
     */
    public static void configureLogging() {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "fieldline-logback.xml");
        }
    }

    /** Sets up logging, runs the command and exits with its code; shared with the developer build. */
    public static void run(CommandLine cli, String[] args) {
        configureLogging();
        // Some dependencies (HiveMQ, Debezium's JDBC driver) log through java.util.logging.
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        int exit = cli.execute(args);
        System.exit(exit);
    }

    /** The command tree, shared by {@link #main} and the tests. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new FieldlineCommand());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler(new ConfigErrorHandler());
        return cli;
    }
}
