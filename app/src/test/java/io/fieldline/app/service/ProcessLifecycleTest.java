package io.fieldline.app.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real JVM, sent a real signal: the clean stop runs to its end before the JVM's shutdown hooks (those a library
 * registered, as the embedded PostgreSQL and Redis do) start, and the process exits with the lifecycle's code.
 */
class ProcessLifecycleTest {

    @Test
    void shouldFinishTheCleanStopBeforeAnyShutdownHookRunsOnSigterm(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.txt");
        Process process = start(out, "0");
        awaitLine(out, "awaiting stop");
        new ProcessBuilder("kill", "-TERM", Long.toString(process.pid()))
                .start()
                .waitFor();

        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        assertThat(Files.readAllLines(out))
                .containsExactly("awaiting stop", "stop requested", "components stopped", "library hook ran");
    }

    @Test
    void shouldTreatASecondSignalWhileStoppingAsNothingMore(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.txt");
        Process process = start(out, "0");
        awaitLine(out, "awaiting stop");
        new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();
        awaitLine(out, "stop requested");
        new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();

        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        assertThat(Files.readAllLines(out))
                .containsExactly("awaiting stop", "stop requested", "components stopped", "library hook ran");
    }

    @Test
    void shouldStopCleanlyAndEndWithTheCodeExitAskedFor(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.txt");
        Process process = start(out, "3");

        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(3);
        assertThat(Files.readAllLines(out))
                .containsExactly("awaiting stop", "stop requested", "components stopped", "library hook ran");
    }

    private static Process start(Path out, String exitCode) throws IOException {
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Command.class.getName(),
                out.toString(),
                exitCode);
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    private static void awaitLine(Path out, String line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!(Files.exists(out) && Files.readAllLines(out).contains(line))) {
            assertThat(System.nanoTime()).as("'%s' in %s", line, out).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** A long-running command: a library's shutdown hook, then the lifecycle, then a stop that takes a while. */
    public static final class Command {
        public static void main(String[] args) throws Exception {
            Path out = Path.of(args[0]);
            int exitCode = Integer.parseInt(args[1]);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> append(out, "library hook ran")));
            ProcessLifecycle lifecycle = ProcessLifecycle.install(Duration.ofSeconds(20));
            append(out, "awaiting stop");
            if (exitCode != 0) {
                lifecycle.exit(exitCode);
            }
            lifecycle.awaitStop();
            append(out, "stop requested");
            // Components draining into servers the library hook would stop.
            Thread.sleep(500);
            append(out, "components stopped");
            lifecycle.stopped();
            System.exit(lifecycle.exitCode());
        }

        private static synchronized void append(Path out, String line) {
            try {
                Files.writeString(
                        out,
                        line + "\n",
                        StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
