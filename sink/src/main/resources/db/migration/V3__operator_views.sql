-- Views operators query. They read the small current-state tables the sink maintains (series_latest,
-- alert_current) or the hourly rollups, never a scan of the raw measurements.

-- Newest value of every series, with what metadata says about it and whether it is overdue
-- (silent for more than twice its expected interval; null when no interval is known).
CREATE VIEW latest_value AS
SELECT l.device_id,
       l.sensor,
       l.time,
       l.value,
       coalesce(l.unit, s.unit)                                 AS unit,
       l.quality,
       l.site,
       l.room,
       l.ingest_time,
       s.valid_min,
       s.valid_max,
       coalesce(s.expected_interval_ms, d.expected_interval_ms) AS expected_interval_ms,
       now() - l.time                                           AS age,
       CASE
           WHEN coalesce(s.expected_interval_ms, d.expected_interval_ms) IS NULL THEN NULL
           ELSE now() - l.time > 2 * coalesce(s.expected_interval_ms, d.expected_interval_ms) * interval '1 millisecond'
       END                                                      AS overdue
FROM series_latest l
LEFT JOIN sensor s ON s.device_id = l.device_id AND s.sensor = l.sensor
LEFT JOIN device d ON d.device_id = l.device_id;

-- Every known device with when it last sent anything. Kept out of the device table on purpose:
-- updating device.last_seen per batch would flood the CDC topic metadata.devices.
CREATE VIEW device_status AS
SELECT d.device_id,
       d.site,
       d.room,
       d.type,
       d.serial,
       d.firmware,
       d.expected_interval_ms,
       seen.last_seen,
       seen.series
FROM device d
LEFT JOIN (SELECT device_id, max(time) AS last_seen, count(*) AS series
           FROM series_latest GROUP BY device_id) seen ON seen.device_id = d.device_id;

-- Per room, sensor and hour: the device hourly rollups merged. The standard deviation pools the
-- devices' Welford sums: M2 = sum(m2_i + n_i * mean_i^2) - N * mean^2.
CREATE VIEW room_hourly_stats AS
SELECT site,
       room,
       sensor,
       window_start                                   AS hour,
       min(unit)                                      AS unit,
       count(DISTINCT device_id)                      AS devices,
       sum(count)                                     AS readings,
       sum(bad_count)                                 AS bad_readings,
       min(min)                                       AS min,
       max(max)                                       AS max,
       sum(sum) / nullif(sum(count), 0)               AS mean,
       sqrt(greatest(0, (sum(m2 + count * mean * mean) - sum(sum) * sum(sum) / nullif(sum(count), 0))
                        / nullif(sum(count), 0)))     AS stddev
FROM aggregate_1h
WHERE room IS NOT NULL
GROUP BY site, room, sensor, window_start;

-- Alerts raised or escalated and not cleared, newest transition first.
CREATE VIEW active_alert AS
SELECT alert_id,
       rule_id,
       kind,
       state,
       severity,
       device_id,
       sensor,
       site,
       room,
       direction,
       value,
       threshold,
       clear_threshold,
       since,
       event_time,
       message,
       now() - since AS active_for
FROM alert_current
WHERE state <> 'CLEARED';
