package io.fieldline.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** Keeps docs/schemas.md true: every record and every field of the .avsc contract is described there. */
class SchemaDocsTest {

    // Surefire runs with the module directory as the working directory.
    private static final Path MODULE = Path.of("").toAbsolutePath();
    private static final Path AVRO = MODULE.resolve("src/main/avro");
    private static final Path DOC = MODULE.resolve("../docs/schemas.md").normalize();

    @Test
    void shouldDescribeEveryFieldOfEveryRecord() throws IOException {
        String doc = Files.readString(DOC);
        Schema.Parser parser = new Schema.Parser();
        try (Stream<Path> common = Files.list(AVRO.resolve("common"))) {
            for (Path enumFile : common.sorted().toList()) {
                Schema schema = parser.parse(enumFile.toFile());
                assertThat(doc)
                        .as("enum %s", schema.getName())
                        .contains("- `" + schema.getName() + "`: " + String.join(", ", schema.getEnumSymbols()));
            }
        }
        List<Path> records;
        try (Stream<Path> files = Files.list(AVRO)) {
            records = files.filter(p -> p.toString().endsWith(".avsc")).sorted().toList();
        }
        assertThat(records).isNotEmpty();
        for (Path file : records) {
            Schema schema = parser.parse(file.toFile());
            String heading = "#### " + schema.getName() + "\n";
            assertThat(doc).as("section of %s", schema.getName()).contains(heading);
            int start = doc.indexOf(heading);
            int end = doc.indexOf("\n#", start + heading.length());
            String section = doc.substring(start, end < 0 ? doc.length() : end);
            for (Schema.Field field : schema.getFields()) {
                assertThat(section).as("%s.%s", schema.getName(), field.name()).contains("| `" + field.name() + "` |");
            }
        }
    }
}
