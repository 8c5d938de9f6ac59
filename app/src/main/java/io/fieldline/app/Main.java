package io.fieldline.app;

import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;

/** Entry point of the {@code fieldline} command line. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        run(commandLine(), args);
    }

    /** Sets up logging, runs the command and exits with its code; shared with the developer build. */
    public static void run(CommandLine cli, String[] args) {
        // HiveMQ and tahu ship a logback.xml of their own; name ours explicitly so theirs never wins.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "fieldline-logback.xml");
        }
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
