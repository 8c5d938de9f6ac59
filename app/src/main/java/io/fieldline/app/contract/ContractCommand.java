package io.fieldline.app.contract;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fieldline contract}: the topic contract in machine-readable form. */
@Command(
        name = "contract",
        mixinStandardHelpOptions = true,
        description = "The topic contract, generated from the code.",
        subcommands = {ContractCommand.AsyncApi.class})
public final class ContractCommand {

    /** {@code fieldline contract asyncapi [-o FILE]}: writes docs/asyncapi.json. */
    @Command(
            name = "asyncapi",
            mixinStandardHelpOptions = true,
            description = "Print (or write) the AsyncAPI 3 document of every topic (JSON).")
    static final class AsyncApi implements Callable<Integer> {

        @Option(
                names = {"-o", "--output"},
                paramLabel = "FILE",
                description = "Write to this file instead of standard output.")
        Path output;

        @Override
        public Integer call() throws Exception {
            String json = AsyncApiDocument.json();
            if (output == null) {
                System.out.print(json);
            } else {
                Files.writeString(output, json, StandardCharsets.UTF_8);
            }
            return 0;
        }
    }
}
