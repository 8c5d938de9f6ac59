package io.fieldline.bridge.mqtt.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class WorkerShardsTest {

    @Test
    void shouldSendEveryMessageOfOneSparkplugEdgeNodeToOneWorkerWhateverTheTypeAndDevice() {
        for (int node = 0; node < 50; node++) {
            String edge = "edge-" + node;
            int shard = WorkerShards.of("spBv1.0/plant/NBIRTH/" + edge, 4);
            assertThat(WorkerShards.of("spBv1.0/plant/NDATA/" + edge, 4)).isEqualTo(shard);
            assertThat(WorkerShards.of("spBv1.0/plant/NDEATH/" + edge, 4)).isEqualTo(shard);
            assertThat(WorkerShards.of("spBv1.0/plant/DBIRTH/" + edge + "/pump-1", 4))
                    .isEqualTo(shard);
            assertThat(WorkerShards.of("spBv1.0/plant/DDATA/" + edge + "/pump-2", 4))
                    .isEqualTo(shard);
        }
    }

    @Test
    void shouldSpreadEdgeNodesAndTopicsOverAllWorkers() {
        Set<Integer> nodes = new HashSet<>();
        Set<Integer> topics = new HashSet<>();
        IntStream.range(0, 64).forEach(n -> {
            nodes.add(WorkerShards.of("spBv1.0/plant/NDATA/edge-" + n, 4));
            topics.add(WorkerShards.of("sites/s1/rooms/r1/devices/dev-" + n + "/telemetry", 4));
        });
        assertThat(nodes).containsExactlyInAnyOrder(0, 1, 2, 3);
        assertThat(topics).containsExactlyInAnyOrder(0, 1, 2, 3);
    }

    @Test
    void shouldTellEdgeNodesOfDifferentGroupsApart() {
        Set<Integer> shards = new HashSet<>();
        IntStream.range(0, 64).forEach(g -> shards.add(WorkerShards.of("spBv1.0/group-" + g + "/NDATA/edge-1", 4)));
        assertThat(shards).hasSizeGreaterThan(1);
    }

    @Test
    void shouldKeepOneTopicOnOneWorkerAndStayInRange() {
        for (String topic :
                new String[] {"a", "", "spBv1.0/", "spBv1.0/g", "spBv1.0/g/NDATA", "x/y/z", "spBv1.0/g/T/e/d/more"}) {
            int shard = WorkerShards.of(topic, 3);
            assertThat(shard).isBetween(0, 2);
            assertThat(WorkerShards.of(topic, 3)).isEqualTo(shard);
            assertThat(WorkerShards.of(topic, 1)).isZero();
        }
    }
}
