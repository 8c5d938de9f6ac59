package io.fieldline.dev.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * docs/asyncapi.json (kept equal to the generated document by the app's AsyncApiDocumentTest) passes the AsyncAPI
 * parser, {@code @asyncapi/parser} with {@code @asyncapi/avro-schema-parser}, pinned by the package-lock.json in
 * src/test/asyncapi and installed with {@code npm ci} under target/ (never in the source tree). Skipped where node or
 * npm is missing, unless {@code ASYNCAPI_VALIDATION_REQUIRED=true} (set by .ci/run where node exists; the build
 * passes it as the system property {@value #REQUIRED_PROPERTY}): then it fails.
 */
class AsyncApiValidationTest {

    static final String REQUIRED_PROPERTY = "fieldline.asyncapi.validation.required";

    private static final Path TOOL = Path.of("src", "test", "asyncapi");
    private static final Path WORK = Path.of("target", "asyncapi-validation");
    private static final Path DOCUMENT = Path.of("..", "..", "docs", "asyncapi.json");

    @Test
    void shouldPassTheAsyncApiParserWithoutAnError() throws Exception {
        requireTool("node");
        requireTool("npm");
        Files.createDirectories(WORK);
        boolean installed = Files.exists(WORK.resolve("node_modules").resolve(".package-lock.json"))
                && Files.exists(WORK.resolve("package-lock.json"))
                && Files.mismatch(WORK.resolve("package-lock.json"), TOOL.resolve("package-lock.json")) == -1;
        for (String file : List.of("package.json", "package-lock.json", "validate.mjs")) {
            Files.copy(TOOL.resolve(file), WORK.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!installed) {
            Result install = run(WORK, 600, "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund");
            assertThat(install.exitCode()).as("npm ci:%n%s", install.output()).isZero();
        }

        Result result = run(
                WORK,
                120,
                "node",
                "validate.mjs",
                DOCUMENT.toAbsolutePath().normalize().toString());

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("VALID: ").doesNotContain("INVALID");
    }

    @Test
    void shouldFailADocumentWithABrokenAvroSchema() throws Exception {
        requireTool("node");
        requireTool("npm");
        shouldPassTheAsyncApiParserWithoutAnError(); // installs the parser
        Path broken = WORK.resolve("broken.json");
        Files.writeString(
                broken,
                Files.readString(DOCUMENT, StandardCharsets.UTF_8)
                        .replaceFirst("\"type\" : \"double\"", "\"type\" : \"decimal-ish\""),
                StandardCharsets.UTF_8);

        Result result =
                run(WORK, 120, "node", "validate.mjs", broken.toAbsolutePath().toString());

        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        assertThat(result.output()).contains("error avro-schema").contains("INVALID");
    }

    private static void requireTool(String tool) throws IOException {
        Result found = run(Path.of("."), 10, "sh", "-c", "command -v " + tool);
        if (found.exitCode() == 0 && !found.output().isBlank()) {
            return;
        }
        String message = tool + " is not installed (Node.js 18 or later with npm), so docs/asyncapi.json was not "
                + "validated with the AsyncAPI parser";
        if ("true".equalsIgnoreCase(System.getProperty(REQUIRED_PROPERTY))) {
            throw new AssertionError("ASYNCAPI_VALIDATION_REQUIRED=true: " + message);
        }
        Assumptions.abort(message);
    }

    private record Result(int exitCode, String output) {}

    private static Result run(Path directory, int timeoutSeconds, String... command) throws IOException {
        Process process = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .start();
        try {
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted", e);
        }
    }
}
