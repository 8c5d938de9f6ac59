-- Metadata hierarchy: facility -> zone (optional) -> room -> rack (optional) -> device -> sensor,
-- plus alert rules. Debezium captures device, sensor and alert_rule into the compacted
-- metadata.* topics, so their column names are the snake_case of the Avro fields
-- (Device.deviceId -> device.device_id, Sensor.calibrationOffset -> sensor.calibration_offset, ...).
-- Ids are the natural text ids used in readings and Kafka keys, never surrogates, so a CDC
-- event's key is the same string the pipeline joins on.

CREATE OR REPLACE FUNCTION fieldline_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE TABLE facility (
    facility_id  text PRIMARY KEY CHECK (facility_id <> ''),
    name         text,
    timezone     text NOT NULL DEFAULT 'UTC',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE zone (
    zone_id      text PRIMARY KEY CHECK (zone_id <> ''),
    facility_id  text NOT NULL REFERENCES facility (facility_id),
    name         text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    -- target of the composite foreign key from room: a room's zone must be in the room's facility
    UNIQUE (facility_id, zone_id)
);

CREATE TABLE room (
    room_id               text PRIMARY KEY CHECK (room_id <> ''),
    facility_id           text NOT NULL REFERENCES facility (facility_id),
    zone_id               text,
    name                  text,
    target_vpd_kpa        double precision,
    target_temperature_c  double precision,
    -- poultry rooms: size of the flock at placement and when it was placed (mortality, laying rate)
    birds_start           integer CHECK (birds_start IS NULL OR birds_start >= 0),
    flock_placed_on       date,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (facility_id, room_id),
    FOREIGN KEY (facility_id, zone_id) REFERENCES zone (facility_id, zone_id)
);

CREATE TABLE rack (
    rack_id      text PRIMARY KEY CHECK (rack_id <> ''),
    room_id      text NOT NULL REFERENCES room (room_id),
    name         text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (room_id, rack_id)
);

-- Columns device_id .. expected_interval_ms are the Avro Device record, field by field:
-- site and room keep the Avro names although they reference facility and room.
CREATE TABLE device (
    device_id             text PRIMARY KEY CHECK (device_id <> ''),
    site                  text REFERENCES facility (facility_id),
    room                  text REFERENCES room (room_id),
    type                  text,
    serial                text UNIQUE,
    firmware              text,
    expected_interval_ms  bigint CHECK (expected_interval_ms IS NULL OR expected_interval_ms > 0),
    rack_id               text REFERENCES rack (rack_id),
    name                  text,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    -- MATCH SIMPLE: checked only when both are set, so a device may know its room but not its site
    FOREIGN KEY (site, room) REFERENCES room (facility_id, room_id),
    FOREIGN KEY (room, rack_id) REFERENCES rack (room_id, rack_id)
);
CREATE INDEX device_room_idx ON device (room);

-- Columns device_id .. expected_interval_ms are the Avro Sensor record; the Kafka key is device_id/sensor.
CREATE TABLE sensor (
    device_id             text NOT NULL REFERENCES device (device_id) ON DELETE CASCADE,
    sensor                text NOT NULL CHECK (sensor <> ''),
    unit                  text,
    calibration_offset    double precision NOT NULL DEFAULT 0,
    valid_min             double precision,
    valid_max             double precision,
    expected_interval_ms  bigint CHECK (expected_interval_ms IS NULL OR expected_interval_ms > 0),
    data_type             text NOT NULL DEFAULT 'double',
    channel               text,
    description           text,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, sensor),
    CHECK (valid_min IS NULL OR valid_max IS NULL OR valid_min <= valid_max)
);

-- Columns rule_id .. enabled are the Avro AlertRule record. Enums are text with CHECKs rather than
-- PostgreSQL enum types so that Debezium emits plain strings and a new symbol is one ALTER away.
CREATE TABLE alert_rule (
    rule_id               text PRIMARY KEY CHECK (rule_id <> ''),
    device_selector       text NOT NULL DEFAULT '*',
    sensor_selector       text NOT NULL DEFAULT '*',
    room_selector         text NOT NULL DEFAULT '*',
    direction             text NOT NULL CHECK (direction IN ('ABOVE', 'BELOW')),
    threshold             double precision NOT NULL,
    clear_threshold       double precision,
    for_ms                bigint NOT NULL DEFAULT 0 CHECK (for_ms >= 0),
    severity              text NOT NULL DEFAULT 'WARNING' CHECK (severity IN ('INFO', 'WARNING', 'CRITICAL')),
    escalation_threshold  double precision,
    escalation_severity   text NOT NULL DEFAULT 'CRITICAL' CHECK (escalation_severity IN ('INFO', 'WARNING', 'CRITICAL')),
    enabled               boolean NOT NULL DEFAULT true,
    description           text,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    -- hysteresis must sit on the safe side of the threshold, escalation on the far side
    CHECK (clear_threshold IS NULL
           OR (direction = 'ABOVE' AND clear_threshold <= threshold)
           OR (direction = 'BELOW' AND clear_threshold >= threshold)),
    CHECK (escalation_threshold IS NULL
           OR (direction = 'ABOVE' AND escalation_threshold > threshold)
           OR (direction = 'BELOW' AND escalation_threshold < threshold))
);

CREATE TRIGGER facility_touch BEFORE UPDATE ON facility FOR EACH ROW EXECUTE FUNCTION fieldline_touch_updated_at();
CREATE TRIGGER zone_touch BEFORE UPDATE ON zone FOR EACH ROW EXECUTE FUNCTION fieldline_touch_updated_at();
CREATE TRIGGER room_touch BEFORE UPDATE ON room FOR EACH ROW EXECUTE FUNCTION fieldline_touch_updated_at();
CREATE TRIGGER rack_touch BEFORE UPDATE ON rack FOR EACH ROW EXECUTE FUNCTION fieldline_touch_updated_at();
CREATE TRIGGER device_touch BEFORE UPDATE ON device FOR EACH ROW EXECUTE FUNCTION fieldline_touch_updated_at();
CREATE TRIGGER sensor_touch BEFORE UPDATE ON sensor FOR EACH ROW EXECUTE FUNCTION fieldline_touch_updated_at();
CREATE TRIGGER alert_rule_touch BEFORE UPDATE ON alert_rule FOR EACH ROW EXECUTE FUNCTION fieldline_touch_updated_at();
