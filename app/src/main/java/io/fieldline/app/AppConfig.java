package io.fieldline.app;

import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/** Settings of the assembled application: topic layout and where local state lives. */
public final class AppConfig extends AbstractConfig {

    public static final String TOPICS_PREFIX = "topics.prefix";
    public static final String TOPICS_PARTITIONS = "topics.partitions";
    public static final String TOPICS_REPLICATION_FACTOR = "topics.replication.factor";
    public static final String DATA_DIR = "app.data.dir";

    private static final ConfigDef DEF = new ConfigDef()
            .define(
                    TOPICS_PREFIX,
                    Type.STRING,
                    "",
                    Importance.HIGH,
                    "Prefix of every Fieldline topic name, so several deployments can share one Kafka cluster.")
            .define(
                    TOPICS_PARTITIONS,
                    Type.INT,
                    6,
                    Range.atLeast(1),
                    Importance.HIGH,
                    "Partitions of the data topics created at start. Readings are keyed by device id, so this "
                            + "bounds how many bridge, Streams and sink instances share the work.")
            .define(
                    TOPICS_REPLICATION_FACTOR,
                    Type.SHORT,
                    (short) 1,
                    Range.atLeast(1),
                    Importance.HIGH,
                    "Replication factor of the topics created at start: 1 for the embedded single broker; 3 on a cluster of three or more brokers.")
            .define(
                    DATA_DIR,
                    Type.STRING,
                    ".fieldline",
                    Importance.MEDIUM,
                    "Directory for local state: embedded server data, Kafka Streams state stores, endpoints.env.");

    public AppConfig(Map<String, ?> originals) {
        super(DEF, originals, false);
    }

    public static ConfigDef configDef() {
        return DEF;
    }
}
