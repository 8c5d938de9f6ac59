-- Test DDL of the captured tables, mirroring the sink module's Flyway migrations (column names the
-- mapper reads). Run with search_path set to the test's own schema.
CREATE TABLE facility (
    facility_id  text PRIMARY KEY,
    name         text NOT NULL,
    kind         text,
    birds_start  integer,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE zone (
    zone_id      text PRIMARY KEY,
    facility_id  text NOT NULL REFERENCES facility (facility_id),
    name         text
);
CREATE TABLE room (
    room_id               text PRIMARY KEY,
    facility_id           text NOT NULL REFERENCES facility (facility_id),
    zone_id               text REFERENCES zone (zone_id),
    name                  text,
    target_vpd_kpa        numeric(4, 2),
    target_temperature_c  double precision
);
CREATE TABLE rack (
    rack_id  text PRIMARY KEY,
    room_id  text NOT NULL REFERENCES room (room_id),
    name     text
);
CREATE TABLE device (
    device_id             text PRIMARY KEY,
    room_id               text REFERENCES room (room_id),
    rack_id               text REFERENCES rack (rack_id),
    device_type           text,
    serial_number         text,
    firmware_version      text,
    expected_interval_ms  bigint,
    last_seen             timestamptz
);
CREATE TABLE sensor (
    device_id             text NOT NULL REFERENCES device (device_id) ON DELETE CASCADE,
    sensor                text NOT NULL,
    unit                  text,
    data_type             text,
    channel               integer,
    calibration_offset    double precision NOT NULL DEFAULT 0,
    valid_min             double precision,
    valid_max             double precision,
    expected_interval_ms  bigint,
    PRIMARY KEY (device_id, sensor)
);
CREATE TABLE alert_rule (
    rule_id               text PRIMARY KEY,
    device_selector       text NOT NULL DEFAULT '*',
    sensor_selector       text NOT NULL DEFAULT '*',
    room_selector         text NOT NULL DEFAULT '*',
    direction             text NOT NULL,
    threshold             double precision NOT NULL,
    clear_threshold       double precision,
    for_ms                bigint NOT NULL DEFAULT 0,
    severity              text NOT NULL DEFAULT 'WARNING',
    escalation_threshold  double precision,
    escalation_severity   text NOT NULL DEFAULT 'CRITICAL',
    enabled               boolean NOT NULL DEFAULT true
);
-- Not captured: writes here must not reach the metadata topics.
CREATE TABLE measurement_scratch (
    id     bigserial PRIMARY KEY,
    value  double precision
);
