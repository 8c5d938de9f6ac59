package io.fieldline.dev;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.app.TopicProvisioner;
import io.fieldline.connectors.cdc.CapturedTable;
import io.fieldline.schemas.TopicNames;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

/**
 * docs/topics.md is the public contract: every topic the code creates or writes (the provisioned data,
 * metadata and dead-letter topics, and the topics CDC publishes) must be listed there by name.
 */
class TopicContractDocsTest {

    @Test
    void shouldListEveryTopicTheCodeCreatesInTheContract() throws Exception {
        String contract = Files.readString(Path.of("..", "..", "docs", "topics.md"), StandardCharsets.UTF_8);
        TopicNames names = new TopicNames("");
        List<String> topics = new ArrayList<>(new TopicProvisioner(names, 1, (short) 1)
                .topics().stream().map(NewTopic::name).toList());
        for (CapturedTable table : CapturedTable.values()) {
            topics.add(table.topic(names));
        }
        assertThat(topics).hasSizeGreaterThan(15);
        for (String topic : topics) {
            assertThat(contract).as("docs/topics.md lists `%s`", topic).contains("`" + topic + "`");
        }
    }
}
