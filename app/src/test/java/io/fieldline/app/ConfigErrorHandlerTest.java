package io.fieldline.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ConfigErrorHandlerTest {

    @Test
    void shouldPrintOneLineInsteadOfAStackTraceForBadInput() {
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(
                "can",
                "decode",
                "--dbc",
                "../bridge/dbc/src/test/resources/dbc/decode-fixture.dbc",
                "--frame",
                "bogus");
        assertThat(exit).isEqualTo(CommandLine.ExitCode.SOFTWARE);
        assertThat(err.toString()).contains("fieldline decode:").doesNotContain("\tat ");
    }
}
