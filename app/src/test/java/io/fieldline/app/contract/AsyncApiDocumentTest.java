package io.fieldline.app.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fieldline.app.TopicProvisioner;
import io.fieldline.schemas.DeadLetterHeaders;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.Reading;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AsyncApiDocumentTest {

    private final ObjectNode document = AsyncApiDocument.document();

    @Test
    void shouldKeepDocsAsyncApiInSyncWithTheCode() throws Exception {
        Path docs = Path.of("..", "docs", "asyncapi.json");
        assertThat(Files.readString(docs, StandardCharsets.UTF_8))
                .as("docs/asyncapi.json is generated: run ./fieldline contract asyncapi -o docs/asyncapi.json")
                .isEqualTo(AsyncApiDocument.json());
    }

    @Test
    void shouldHaveAChannelForEveryTopicOfTheCatalogue() {
        TopicNames names = TopicNames.defaults();
        List<String> addresses = new ArrayList<>();
        document.get("channels")
                .forEach(channel -> addresses.add(channel.get("address").asText()));
        assertThat(addresses)
                .containsAll(names.dataTopics())
                .containsAll(names.metadataTopics())
                .contains("metadata.facilities", "metadata.zones", "metadata.rooms", "metadata.racks")
                .contains("deadletter.{stage}");
        assertThat(document.get("operations").size())
                .isEqualTo(document.get("channels").size());
    }

    @Test
    void shouldCarryEachValueSchemaInlineAsAvroWithItsKey() throws Exception {
        JsonNode reading = document.at("/components/messages/Reading");
        assertThat(reading.at("/payload/schemaFormat").asText())
                .isEqualTo("application/vnd.apache.avro+json;version=1.9.0");
        assertThat(reading.at("/payload/schema"))
                .isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(Reading.getClassSchema().toString()));
        assertThat(reading.at("/bindings/kafka/key/description").asText()).contains("device id");
        assertThat(document.at("/components/messages/Kpi/bindings/kafka/key/description")
                        .asText())
                .contains("room id");
        assertThat(document.at("/components/messages/Alert/bindings/kafka/key/description")
                        .asText())
                .contains("ruleId/deviceId/sensor");
        assertThat(document.at("/channels/kpis/messages/Kpi/$ref").asText()).isEqualTo("#/components/messages/Kpi");
        assertThat(document.at("/channels/devices/bindings/kafka/topicConfiguration/cleanup.policy/0")
                        .asText())
                .isEqualTo("compact");
        assertThat(document.at("/channels/readings/bindings/kafka/topicConfiguration/cleanup.policy/0")
                        .asText())
                .isEqualTo("delete");
    }

    @Test
    void shouldDescribeEveryDeadLetterHeaderAndStage() throws Exception {
        JsonNode headers = document.at("/components/messages/DeadLetter/headers/properties");
        for (var field : DeadLetterHeaders.class.getFields()) {
            assertThat(headers.has((String) field.get(null)))
                    .as(field.getName())
                    .isTrue();
        }
        List<String> stages = new ArrayList<>();
        document.at("/channels/deadLetters/parameters/stage/enum").forEach(stage -> stages.add(stage.asText()));
        assertThat(stages).containsExactlyElementsOf(TopicProvisioner.DEAD_LETTER_STAGES);
    }

    @Test
    void shouldGenerateTheSameBytesEveryTime() {
        assertThat(AsyncApiDocument.json()).isEqualTo(AsyncApiDocument.json());
    }
}
