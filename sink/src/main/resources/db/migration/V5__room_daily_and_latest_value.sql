-- latest_value as in V3, but its device and sensor come from series, not from the lateral subquery: a filter on
-- them (WHERE device_id = ...) then narrows the series scanned before the newest reading of each is looked up,
-- instead of looking up every series' newest reading and filtering afterwards.
CREATE OR REPLACE VIEW latest_value AS
SELECT s.device_id,
       s.sensor,
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
LEFT JOIN sensor sn ON sn.device_id = s.device_id AND sn.sensor = s.sensor
LEFT JOIN device d ON d.device_id = s.device_id;

-- One row per room and day, as the poultry back ends reported it (their table was unique on (room, date)):
-- the day's totals and last values of the flock counters from the daily aggregates, the day's climate, and
-- the daily KPIs the KPI application computed. The sensor names are the KPI application's defaults
-- (streams.kpi.*.sensors) plus water, which no KPI uses; a farm with other names redefines this view.
-- Days are those of aggregate_1d (sink.postgres.day.zone); KPI days are those of streams.kpi.day.zone, and
-- they line up when the two are equal.
CREATE VIEW room_daily AS
SELECT d.site,
       d.room,
       d.day,
       d.eggs_produced,
       d.feed_consumed_kg,
       d.water_consumed_l,
       d.deaths,
       d.birds_remaining,
       d.avg_weight_kg,
       d.temperature_c,
       d.humidity_pct,
       k.fcr,
       k.mortality_rate,
       k.production_rate,
       k.dli,
       d.readings,
       d.late_readings
FROM (SELECT site,
             room,
             window_start                                                                       AS day,
             sum(sum) FILTER (WHERE sensor IN ('eggs_produced', 'eggs'))                         AS eggs_produced,
             sum(sum) FILTER (WHERE sensor IN ('feed_consumed_kg', 'feed'))                      AS feed_consumed_kg,
             sum(sum) FILTER (WHERE sensor IN ('water_consumed_l', 'water'))                     AS water_consumed_l,
             sum(sum) FILTER (WHERE sensor = 'deaths')                                           AS deaths,
             (array_agg(last ORDER BY last_time DESC)
                 FILTER (WHERE count > 0 AND sensor IN ('birds_remaining', 'birds', 'live_birds')))[1]
                                                                                                 AS birds_remaining,
             (array_agg(last ORDER BY last_time DESC)
                 FILTER (WHERE count > 0 AND sensor IN ('avg_weight_kg', 'bird_weight_kg')))[1]  AS avg_weight_kg,
             sum(sum) FILTER (WHERE sensor IN ('air_temperature', 'temperature', 'temperature_c'))
                 / nullif(sum(count) FILTER (WHERE sensor IN ('air_temperature', 'temperature', 'temperature_c')), 0)
                                                                                                 AS temperature_c,
             sum(sum) FILTER (WHERE sensor IN ('relative_humidity', 'humidity', 'humidity_pct'))
                 / nullif(sum(count) FILTER (WHERE sensor IN ('relative_humidity', 'humidity', 'humidity_pct')), 0)
                                                                                                 AS humidity_pct,
             sum(count)                                                                          AS readings,
             sum(late_count)                                                                     AS late_readings
      FROM aggregate_1d
      WHERE room IS NOT NULL
      GROUP BY site, room, window_start) d
LEFT JOIN LATERAL (SELECT max(value) FILTER (WHERE name = 'fcr')             AS fcr,
                          max(value) FILTER (WHERE name = 'mortality_rate')  AS mortality_rate,
                          max(value) FILTER (WHERE name = 'production_rate') AS production_rate,
                          max(value) FILTER (WHERE name = 'dli')             AS dli
                   FROM kpi
                   WHERE kpi.room = d.room
                     AND kpi.name IN ('fcr', 'mortality_rate', 'production_rate', 'dli')
                     AND kpi.window_start = d.day) k ON true;
