package io.fieldline.dev;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DevCommandLineTest {

    @Test
    void shouldExitWithUsageCodeAndNameTheKeyOfInvalidConfiguration() {
        StringWriter err = new StringWriter();
        CommandLine cli = DevMain.commandLine();
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("up", "--set", "topics.partitions=zero");
        assertThat(exit).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("Invalid configuration").contains("topics.partitions");
    }

    @Test
    void shouldOfferTheProductCommandsAndTheDeveloperOnes() {
        assertThat(DevMain.commandLine().getSubcommands().keySet())
                .contains("config", "can", "tail", "up", "simulate", "bench");
    }
}
