package io.fieldline.dev;

import io.fieldline.app.Main;
import io.fieldline.bench.cli.BenchCommand;
import io.fieldline.dev.simulate.SimulateCommand;
import io.fieldline.dev.up.UpCommand;
import picocli.CommandLine;

/**
 * Entry point of the developer build that {@code ./fieldline} runs: the product command line plus
 * {@code up} (embedded servers and a simulated fleet), {@code simulate} and {@code bench}.
 */
public final class DevMain {

    private DevMain() {}

    public static void main(String[] args) {
        Main.configureLogging();
        Main.run(commandLine(), args);
    }

    /** The developer command tree, shared by {@link #main} and the tests. */
    public static CommandLine commandLine() {
        CommandLine cli = Main.commandLine();
        cli.addSubcommand(new UpCommand());
        cli.addSubcommand(new SimulateCommand());
        cli.addSubcommand(new BenchCommand());
        // The soak runs the pipeline of up, which lives in this build.
        cli.getSubcommands().get("bench").addSubcommand(new io.fieldline.dev.up.SoakCommand());
        cli.getSubcommands().get("bench").addSubcommand(new io.fieldline.dev.up.PipelineBenchCommand());
        return cli;
    }
}
