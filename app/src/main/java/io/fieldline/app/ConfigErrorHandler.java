package io.fieldline.app;

import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Invalid configuration is a user error, not a crash: print the message (which names the key)
 * without a stack trace and exit with the usage error code.
 */
final class ConfigErrorHandler implements IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception ex, CommandLine cli, ParseResult parseResult) throws Exception {
        Throwable cause = ex;
        while (cause != null && !(cause instanceof ConfigException)) {
            cause = cause.getCause();
        }
        if (cause == null) {
            throw ex;
        }
        cli.getErr().println(cli.getColorScheme().errorText("Invalid configuration: " + cause.getMessage()));
        return CommandLine.ExitCode.USAGE;
    }
}
