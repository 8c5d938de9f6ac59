package io.fieldline.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ConfigErrorHandlerTest {

    @Test
    void shouldExitWithUsageCodeAndNameTheKeyOfInvalidConfiguration() {
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("up", "--set", "topics.partitions=zero");
        assertThat(exit).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("Invalid configuration").contains("topics.partitions");
    }

    @Test
    void shouldPrintOneLineInsteadOfAStackTraceForBadInput() {
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("can", "decode", "--dbc",
                "../bridge/src/main/resources/io/fieldline/bridge/can/demo/fieldline-demo.dbc", "--frame", "bogus");
        assertThat(exit).isEqualTo(CommandLine.ExitCode.SOFTWARE);
        assertThat(err.toString()).contains("fieldline decode:").doesNotContain("\tat ");
    }
}
