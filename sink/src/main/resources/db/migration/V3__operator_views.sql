-- Views operators query. They read the small tables the sink maintains (series, alert_current) or the
-- hourly rollups, never a scan of the raw measurements.

-- Newest value of every series, with what metadata says about it and whether it is overdue
-- (silent for more than twice its expected interval; null when no interval is known). series.last_seen
-- is a lower bound of the newest reading's time, so the primary key finds that reading in the newest
-- partitions (or chunks) only.
CREATE VIEW latest_value AS
SELECT m.device_id,
       m.sensor,
       m.time,
       m.value,
       coalesce(m.unit, sn.unit)                                  AS unit,
       m.quality,
       m.site,
       m.room,
       m.ingest_time,
       sn.valid_min,
       sn.valid_max,
       coalesce(sn.expected_interval_ms, d.expected_interval_ms) AS expected_interval_ms,
       now() - m.time                                             AS age,
       CASE
           WHEN coalesce(sn.expected_interval_ms, d.expected_interval_ms) IS NULL THEN NULL
           ELSE now() - m.time > 2 * coalesce(sn.expected_interval_ms, d.expected_interval_ms) * interval '1 millisecond'
       END                                                        AS overdue
FROM series s
CROSS JOIN LATERAL (SELECT *
                    FROM measurement
                    WHERE measurement.device_id = s.device_id
                      AND measurement.sensor = s.sensor
                      AND measurement.time >= s.last_seen
                    ORDER BY measurement.time DESC
                    LIMIT 1) m
LEFT JOIN sensor sn ON sn.device_id = m.device_id AND sn.sensor = m.sensor
LEFT JOIN device d ON d.device_id = m.device_id;

-- Every known device with when it last sent anything (to within the series refresh interval; the
-- latest_value view is exact). Kept out of the device table on purpose: updating device rows per batch
-- would flood the CDC topic metadata.devices.
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
LEFT JOIN (SELECT device_id, max(last_seen) AS last_seen, count(*) AS series
           FROM series GROUP BY device_id) seen ON seen.device_id = d.device_id;

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
