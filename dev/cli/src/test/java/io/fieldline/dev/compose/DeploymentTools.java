package io.fieldline.dev.compose;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The command-line tools that validate the deployment without a Docker engine: {@code promtool} (Debian's
 * {@code prometheus}), {@code docker-compose} (Debian's {@code docker-compose}) and {@code mosquitto} with
 * {@code mosquitto_passwd} (Debian's {@code mosquitto}). A test that needs one it cannot find is skipped, naming the
 * package, unless the build requires them ({@code DEPLOYMENT_TOOLS_REQUIRED=true}, set by {@code .ci/run} after
 * installing them; the build passes it as the system property {@value #REQUIRED_PROPERTY}): then it fails.
 */
final class DeploymentTools {

    static final String REQUIRED_PROPERTY = "fieldline.deployment.tools.required";

    private DeploymentTools() {}

    /** The tool's path, or the test skipped (failed where the tools are required). */
    static Path require(String tool, String debianPackage) {
        Optional<Path> found = find(tool);
        if (found.isPresent()) {
            return found.get();
        }
        String message = tool + " is not installed (apt-get install -y " + debianPackage
                + "), so this check of compose/" + " did not run";
        if ("true".equalsIgnoreCase(System.getProperty(REQUIRED_PROPERTY))) {
            throw new AssertionError("DEPLOYMENT_TOOLS_REQUIRED=true: " + message);
        }
        Assumptions.abort(message);
        throw new IllegalStateException("unreachable");
    }

    static Optional<Path> find(String tool) {
        try {
            Result result = run(Path.of("."), 10, "sh", "-c", "command -v " + tool);
            return result.exitCode() == 0 && !result.output().isBlank()
                    ? Optional.of(Path.of(result.output().trim()))
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** What a command printed (standard output and error together) and how it exited. */
    record Result(int exitCode, String output) {}

    static Result run(Path workingDirectory, int timeoutSeconds, String... command) throws IOException {
        return run(workingDirectory, timeoutSeconds, List.of(command));
    }

    static Result run(Path workingDirectory, int timeoutSeconds, List<String> command) throws IOException {
        Process process = new ProcessBuilder(new ArrayList<>(command))
                .directory(workingDirectory.toFile())
                .redirectErrorStream(true)
                .start();
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted", e);
        }
        return new Result(
                process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
