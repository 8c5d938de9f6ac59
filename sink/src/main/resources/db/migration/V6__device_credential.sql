-- MQTT credentials of devices (docs/security.md, "Devices"). One password per device, stored only as a salted
-- PBKDF2-HMAC-SHA512 hash in the text form of Mosquitto's password file ($7$<iterations>$<salt>$<hash>), so the
-- embedded broker checks it and `fieldline devices export-mosquitto` writes it to a Mosquitto password file as it
-- is. Not captured by CDC (the publication lists its tables), so no hash ever reaches Kafka. The same in both
-- storage layouts: it is metadata, not a time series.
CREATE TABLE device_credential (
    -- one MQTT topic level and a user name Mosquitto's files take verbatim (DeviceTopics.DEVICE_ID)
    device_id      text PRIMARY KEY REFERENCES device (device_id) ON DELETE CASCADE
                   CHECK (device_id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'),
    password_hash  text NOT NULL CHECK (password_hash LIKE '$7$%'),
    created_at     timestamptz NOT NULL DEFAULT now(),
    -- the last time a new password replaced the previous one; null while the first is in use
    rotated_at     timestamptz,
    -- set by `fieldline devices revoke`: the broker refuses the device from then on; a new password clears it
    revoked_at     timestamptz
);
