package io.fieldline.topologies.alert;

import io.fieldline.schemas.avro.Direction;
import io.fieldline.schemas.avro.Severity;
import io.fieldline.topologies.internal.BinaryCodec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the alerts application remembers about one series (device, sensor): when it was
 * last heard of, whether it is offline, and the state of every rule that is pending or raised
 * for it (a rule with no entry is quiet).
 *
 * <p>Times: {@code lastEventTime} is on the readings' event time (the rules' clock);
 * {@code lastSeen} and {@code offlineChangedAt} are on the task's input time ({@link InputClock}).
 */
final class SeriesAlertState {

    /** Where one (rule, series) pair stands. */
    enum Phase {
        PENDING,
        RAISED
    }

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
    /** Input time (ingest time, capped by the wall clock) of the newest reading of the series. */
    long lastSeen = Long.MIN_VALUE;

    long expectedIntervalMs;
    long intervalResolvedAtWallClock = Long.MIN_VALUE;
    boolean offline;
    /** Input time of the last OFFLINE transition (raise or clear), so the next one is never older. */
    long offlineChangedAt = Long.MIN_VALUE;
    /** Rule id to state, sorted so that transitions come out in a stable order. */
    final Map<String, RuleState> rules = new TreeMap<>();

    SeriesAlertState(String deviceId, String sensor) {
        this.deviceId = deviceId;
        this.sensor = sensor;
    }

    static final BinaryCodec<SeriesAlertState> CODEC = new BinaryCodec<>() {
        // Version 1 held the wall-clock time the series was last seen and no offline transition time.
        private static final int VERSION = 2;

        @Override
        public void write(SeriesAlertState state, DataOutputStream out) throws IOException {
            out.writeByte(VERSION);
            out.writeUTF(state.deviceId);
            out.writeUTF(state.sensor);
            BinaryCodec.writeNullableString(out, state.site);
            BinaryCodec.writeNullableString(out, state.room);
            out.writeLong(state.lastEventTime);
            out.writeLong(state.lastSeen);
            out.writeLong(state.expectedIntervalMs);
            out.writeLong(state.intervalResolvedAtWallClock);
            out.writeBoolean(state.offline);
            out.writeLong(state.offlineChangedAt);
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
            int version = in.readUnsignedByte();
            if (version != 1 && version != VERSION) {
                throw new IOException("Unsupported series alert state format version " + version);
            }
            SeriesAlertState state = new SeriesAlertState(in.readUTF(), in.readUTF());
            state.site = BinaryCodec.readNullableString(in);
            state.room = BinaryCodec.readNullableString(in);
            state.lastEventTime = in.readLong();
            // Version 1's wall-clock time stands in for the input time: equal while the input keeps up.
            state.lastSeen = in.readLong();
            state.expectedIntervalMs = in.readLong();
            state.intervalResolvedAtWallClock = in.readLong();
            state.offline = in.readBoolean();
            state.offlineChangedAt = version == 1 ? Long.MIN_VALUE : in.readLong();
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
