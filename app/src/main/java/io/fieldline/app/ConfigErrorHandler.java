package io.fieldline.app;

import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns a failed command into one clear line on standard error instead of a stack trace.
 * Invalid configuration exits with the usage code (2) and names the key; any other failure
 * exits with 1 and its message chain. The stack trace goes to the log at DEBUG.
 */
final class ConfigErrorHandler implements IExecutionExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigErrorHandler.class);

    @Override
    public int handleExecutionException(Exception ex, CommandLine cli, ParseResult parseResult) {
        LOG.debug("Command failed", ex);
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConfigException) {
                cli.getErr()
                        .println(cli.getColorScheme()
                                .errorText("Invalid configuration: "
                                        + io.fieldline.core.net.Redaction.redact(cause.getMessage())));
                return CommandLine.ExitCode.USAGE;
            }
        }
        cli.getErr()
                .println(cli.getColorScheme()
                        .errorText("fieldline " + cli.getCommandName() + ": "
                                + io.fieldline.core.net.Redaction.redact(describe(ex))));
        return CommandLine.ExitCode.SOFTWARE;
    }

    private static String describe(Throwable ex) {
        StringBuilder text = new StringBuilder();
        String last = null;
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
            if (!message.equals(last) && (last == null || !last.contains(message))) {
                text.append(text.length() == 0 ? "" : ": caused by ").append(message);
            }
            last = message;
        }
        return text.toString();
    }
}
