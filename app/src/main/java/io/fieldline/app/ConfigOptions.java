package io.fieldline.app;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every command that runs pipeline components shares: {@code --config} and {@code --set}. */
public final class ConfigOptions {

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Properties file with configuration keys (see docs/configuration.md).")
    Path file;

    @Option(
            names = {"-s", "--set"},
            paramLabel = "KEY=VALUE",
            description = "Set one configuration key; wins over the file and FIELDLINE_* environment variables.")
    Map<String, String> overrides = new LinkedHashMap<>();

    /** The merged configuration of file, environment and {@code --set}. */
    public Map<String, String> load() {
        return ConfigSources.load(file, overrides);
    }
}
