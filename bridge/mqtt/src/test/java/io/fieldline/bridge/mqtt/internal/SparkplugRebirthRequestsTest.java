package io.fieldline.bridge.mqtt.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.bridge.mqtt.decode.DecodeContext;
import io.fieldline.bridge.mqtt.decode.SparkplugDecoder;
import io.fieldline.bridge.mqtt.decode.SparkplugSessions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.junit.jupiter.api.Test;

class SparkplugRebirthRequestsTest {

    private static final long INTERVAL = TimeUnit.SECONDS.toNanos(30);
    private static final String NDATA = "spBv1.0/farm/NDATA/edge-1";
    private static final String DDATA = "spBv1.0/farm/DDATA/edge-1/pump-3";
    private static final String NCMD = "spBv1.0/farm/NCMD/edge-1";

    private final List<String> published = new ArrayList<>();
    private final List<byte[]> payloads = new ArrayList<>();
    private final SparkplugSessions sessions = new SparkplugSessions();
    private long now = 1_000_000_000L;
    private boolean connected = true;

    private SparkplugRebirthRequests requests(long interval) {
        return new SparkplugRebirthRequests(interval, () -> now, () -> 1_714_564_800_000L, (topic, payload) -> {
            if (!connected) {
                throw new MqttException(MqttClientException.REASON_CODE_CLIENT_NOT_CONNECTED);
            }
            published.add(topic);
            payloads.add(payload);
        });
    }

    private void birth(String topic, String device) {
        byte[] payload = Payload.newBuilder()
                .setSeq(0)
                .addMetrics(Metric.newBuilder()
                        .setName("t")
                        .setAlias(1)
                        .setDatatype(DataType.Double_VALUE)
                        .setDoubleValue(1))
                .build()
                .toByteArray();
        sessions.apply(new SparkplugDecoder()
                .decode(topic, payload, null, DecodeContext.forDevice(device, Instant.now()))
                .change());
    }

    @Test
    void shouldAskAnUnknownNodeToRebirthOncePerIntervalWithTheRebirthCommand() throws Exception {
        SparkplugRebirthRequests requests = requests(INTERVAL);

        requests.afterDecode(NDATA, sessions);
        requests.afterDecode(NDATA, sessions);
        requests.afterDecode(DDATA, sessions);
        now += INTERVAL - 1;
        requests.afterDecode(NDATA, sessions);

        assertThat(published).containsExactly(NCMD);
        Payload command = Payload.parseFrom(payloads.get(0));
        assertThat(command.getTimestamp()).isEqualTo(1_714_564_800_000L);
        assertThat(command.getMetricsList()).singleElement().satisfies(metric -> {
            assertThat(metric.getName()).isEqualTo("Node Control/Rebirth");
            assertThat(metric.getDatatype()).isEqualTo(DataType.Boolean_VALUE);
            assertThat(metric.getBooleanValue()).isTrue();
        });

        now += 1;
        requests.afterDecode(NDATA, sessions);
        assertThat(published).containsExactly(NCMD, NCMD);
    }

    @Test
    void shouldNotAskWhenTheBirthsAreOnRecordOrForOtherMessageTypes() {
        SparkplugRebirthRequests requests = requests(INTERVAL);
        requests.afterDecode("spBv1.0/farm/NBIRTH/edge-1", sessions);
        requests.afterDecode("spBv1.0/farm/NDEATH/edge-1", sessions);
        requests.afterDecode("spBv1.0/farm/NCMD/edge-1", sessions);
        requests.afterDecode("sites/a/rooms/b/devices/c/telemetry", sessions);
        birth("spBv1.0/farm/NBIRTH/edge-1", "edge-1");
        birth("spBv1.0/farm/DBIRTH/edge-1/pump-3", "edge-1/pump-3");

        requests.afterDecode(NDATA, sessions);
        requests.afterDecode(DDATA, sessions);

        assertThat(published).isEmpty();
    }

    @Test
    void shouldAskTheNodeWhenOnlyTheDeviceBirthIsMissing() {
        SparkplugRebirthRequests requests = requests(INTERVAL);
        birth("spBv1.0/farm/NBIRTH/edge-1", "edge-1");

        requests.afterDecode(DDATA, sessions);

        assertThat(published).containsExactly(NCMD);
    }

    @Test
    void shouldAskAgainWithTheNextDataWhenTheRequestCouldNotBeSent() {
        SparkplugRebirthRequests requests = requests(INTERVAL);
        connected = false;
        requests.afterDecode(NDATA, sessions);
        connected = true;
        requests.afterDecode(NDATA, sessions);

        assertThat(published).containsExactly(NCMD);
    }

    @Test
    void shouldNeverAskWhenTheIntervalIsZero() {
        requests(0).afterDecode(NDATA, sessions);

        assertThat(published).isEmpty();
    }
}
