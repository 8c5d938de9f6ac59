package io.fieldline.topologies.alert;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

import io.fieldline.schemas.avro.Direction;
import io.fieldline.schemas.avro.Severity;
import io.fieldline.topologies.internal.BinaryCodec;

/**
 * Everything the alerts application remembers about one series (device, sensor): when it was
 * last heard of, whether it is offline, and the state of every rule that is pending or raised
 * for it (a rule with no entry is quiet).
 */
final class SeriesAlertState {

    /** Where one (rule, series) pair stands. */
    enum Phase { PENDING, RAISED }

    /** State of one rule for the series. Thresholds are remembered for the clear record. */
    static final class RuleState {
        Phase phase;
        long since;
        boolean escalated;
        Severity severity;
        Direction direction;
        double threshold;
        double clearThreshold;

        RuleState(Phase phase, long since) {
            this.phase = phase;
            this.since = since;
        }
    }

    final String deviceId;
    final String sensor;
    String site;
    String room;
    long lastEventTime = Long.MIN_VALUE;
    long lastSeenWallClock;
    long expectedIntervalMs;
    long intervalResolvedAtWallClock = Long.MIN_VALUE;
    boolean offline;
    /** Rule id to state, sorted so that transitions come out in a stable order. */
    final Map<String, RuleState> rules = new TreeMap<>();

    SeriesAlertState(String deviceId, String sensor) {
        this.deviceId = deviceId;
        this.sensor = sensor;
    }

    static final BinaryCodec<SeriesAlertState> CODEC = new BinaryCodec<>() {
        private static final int VERSION = 1;

        @Override
        public void write(SeriesAlertState state, DataOutputStream out) throws IOException {
            out.writeByte(VERSION);
            out.writeUTF(state.deviceId);
            out.writeUTF(state.sensor);
            BinaryCodec.writeNullableString(out, state.site);
            BinaryCodec.writeNullableString(out, state.room);
            out.writeLong(state.lastEventTime);
            out.writeLong(state.lastSeenWallClock);
            out.writeLong(state.expectedIntervalMs);
            out.writeLong(state.intervalResolvedAtWallClock);
            out.writeBoolean(state.offline);
            out.writeInt(state.rules.size());
            for (Map.Entry<String, RuleState> entry : state.rules.entrySet()) {
                RuleState rule = entry.getValue();
                out.writeUTF(entry.getKey());
                out.writeByte(rule.phase.ordinal());
                out.writeLong(rule.since);
                out.writeBoolean(rule.escalated);
                out.writeByte(rule.severity == null ? -1 : rule.severity.ordinal());
                out.writeByte(rule.direction == null ? -1 : rule.direction.ordinal());
                out.writeDouble(rule.threshold);
                out.writeDouble(rule.clearThreshold);
            }
        }

        @Override
        public SeriesAlertState read(DataInputStream in) throws IOException {
            BinaryCodec.expectVersion(in, VERSION, "series alert");
            SeriesAlertState state = new SeriesAlertState(in.readUTF(), in.readUTF());
            state.site = BinaryCodec.readNullableString(in);
            state.room = BinaryCodec.readNullableString(in);
            state.lastEventTime = in.readLong();
            state.lastSeenWallClock = in.readLong();
            state.expectedIntervalMs = in.readLong();
            state.intervalResolvedAtWallClock = in.readLong();
            state.offline = in.readBoolean();
            int rules = in.readInt();
            for (int i = 0; i < rules; i++) {
                String ruleId = in.readUTF();
                RuleState rule = new RuleState(Phase.values()[in.readByte()], in.readLong());
                rule.escalated = in.readBoolean();
                byte severity = in.readByte();
                rule.severity = severity < 0 ? null : Severity.values()[severity];
                byte direction = in.readByte();
                rule.direction = direction < 0 ? null : Direction.values()[direction];
                rule.threshold = in.readDouble();
                rule.clearThreshold = in.readDouble();
                state.rules.put(ruleId, rule);
            }
            return state;
        }
    };
}
