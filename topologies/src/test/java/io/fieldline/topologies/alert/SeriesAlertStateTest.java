package io.fieldline.topologies.alert;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.schemas.avro.Direction;
import io.fieldline.schemas.avro.Severity;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class SeriesAlertStateTest {

    @Test
    void shouldRoundTripTheStateWithItsOfflineTransitionTime() {
        SeriesAlertState state = new SeriesAlertState("d1", "temp");
        state.room = "room-a";
        state.lastEventTime = 1_000;
        state.lastSeen = 1_200;
        state.expectedIntervalMs = 10_000;
        state.offline = true;
        state.offlineChangedAt = 40_000;
        SeriesAlertState.RuleState rule = new SeriesAlertState.RuleState(SeriesAlertState.Phase.RAISED, 900);
        rule.severity = Severity.CRITICAL;
        rule.direction = Direction.BELOW;
        state.rules.put("dry", rule);

        var serde = SeriesAlertState.CODEC.serde();
        SeriesAlertState read =
                serde.deserializer().deserialize("t", serde.serializer().serialize("t", state));

        assertThat(read.lastSeen).isEqualTo(1_200);
        assertThat(read.offline).isTrue();
        assertThat(read.offlineChangedAt).isEqualTo(40_000);
        assertThat(read.rules.get("dry").severity).isEqualTo(Severity.CRITICAL);
    }

    @Test
    void shouldReadVersionOneStatesLeftInChangelogs() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeUTF("d1");
            out.writeUTF("temp");
            out.writeBoolean(false); // site
            out.writeBoolean(false); // room
            out.writeLong(1_000); // last event time
            out.writeLong(5_000); // last seen, wall clock
            out.writeLong(10_000); // expected interval
            out.writeLong(4_000); // interval resolved at
            out.writeBoolean(true); // offline
            out.writeInt(0); // rules
        }

        SeriesAlertState read = SeriesAlertState.CODEC.serde().deserializer().deserialize("t", bytes.toByteArray());

        assertThat(read.deviceId).isEqualTo("d1");
        assertThat(read.lastSeen).isEqualTo(5_000);
        assertThat(read.offline).isTrue();
        assertThat(read.offlineChangedAt).isEqualTo(Long.MIN_VALUE);
        assertThat(read.expectedIntervalMs).isEqualTo(10_000);
    }
}
