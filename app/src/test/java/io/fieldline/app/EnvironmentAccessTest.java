package io.fieldline.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@link ConfigSources} is the only reader of the environment: every other class of every module
 * receives its settings as maps (or picocli options) and never calls {@code System.getenv} or
 * lets picocli interpolate {@code ${env:...}}.
 */
class EnvironmentAccessTest {

    private static final Pattern ENVIRONMENT_READ = Pattern.compile("System\\s*\\.\\s*getenv\\s*\\(|\\$\\{env:");

    @Test
    void shouldReadTheEnvironmentOnlyInConfigSources() throws IOException {
        List<Path> sources = mainSources(repositoryRoot());
        assertThat(sources)
                .as("main sources found")
                .hasSizeGreaterThan(100)
                .anyMatch(p -> p.endsWith(Path.of("io", "fieldline", "app", "ConfigSources.java")));

        List<String> readers = sources.stream()
                .filter(EnvironmentAccessTest::readsEnvironment)
                .map(p -> p.getFileName().toString())
                .toList();

        assertThat(readers).containsExactly("ConfigSources.java");
    }

    private static boolean readsEnvironment(Path source) {
        try {
            return ENVIRONMENT_READ
                    .matcher(Files.readString(source, StandardCharsets.UTF_8))
                    .find();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + source, e);
        }
    }

    /** Every .java file under a src/main/java of the build (target and hidden directories left out). */
    private static List<Path> mainSources(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p ->
                            root.relativize(p).toString().replace('\\', '/').contains("src/main/java/"))
                    .filter(p -> root.relativize(p)
                                    .toString()
                                    .replace('\\', '/')
                                    .split("/")[0]
                                    .charAt(0)
                            != '.')
                    .filter(p -> !p.toString().contains("/target/"))
                    .sorted()
                    .toList();
        }
    }

    /** The directory with the parent pom: the first one above the module that holds app/ and core/. */
    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("app"))
                    && Files.isDirectory(dir.resolve("core"))
                    && Files.exists(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException(
                "no repository root above " + Path.of("").toAbsolutePath());
    }
}
