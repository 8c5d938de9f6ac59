package io.fieldline.embedded;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Node settings shared by the embedded single broker ({@link KafkaBroker}) and the nodes of the embedded cluster
 * ({@link KafkaCluster}): fast readiness instead of production safety margins, and a small footprint.
 */
final class KafkaNodeSettings {

    private KafkaNodeSettings() {}

    /** @return settings that make a node quick to join and light on threads and memory */
    static Map<String, String> lightweight() {
        Map<String, String> props = new LinkedHashMap<>();
        // Fast group joins and fast readiness instead of production safety margins.
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("broker.heartbeat.interval.ms", "500");
        props.put("auto.create.topics.enable", "false");
        props.put("delete.topic.enable", "true");

        // Small footprint: few threads, small segments, a small log-cleaner buffer (compacted topics still work).
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "4");
        props.put("background.threads", "2");
        props.put("num.recovery.threads.per.data.dir", "1");
        props.put("log.segment.bytes", Integer.toString(8 * 1024 * 1024));
        props.put("log.cleaner.threads", "1");
        props.put("log.cleaner.dedupe.buffer.size", Integer.toString(4 * 1024 * 1024));
        props.put("log.cleaner.io.buffer.size", Integer.toString(512 * 1024));
        return props;
    }
}
