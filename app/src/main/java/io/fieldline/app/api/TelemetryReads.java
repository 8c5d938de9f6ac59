package io.fieldline.app.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.postgresql.util.PGobject;

/**
 * What the API reads from PostgreSQL: the metadata tables, the time series at each resolution, KPIs, alerts, and the
 * live values (latest, KPIs, active alerts) when Redis cannot answer. Column aliases are the JSON field names; the
 * connection's schema is {@code sink.postgres.schema}.
 */
final class TelemetryReads {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The resolutions of a series' history: the table each is read from. */
    enum Resolution {
        RAW("raw"),
        MINUTE("1m"),
        HOUR("1h"),
        DAY("1d");

        final String text;

        Resolution(String text) {
            this.text = text;
        }

        static Resolution parse(String text) {
            for (Resolution r : values()) {
                if (r.text.equals(text)) {
                    return r;
                }
            }
            throw ApiProblem.invalid("?resolution", "must be raw, 1m, 1h or 1d");
        }

        /**
         * The resolution that fits a range: raw up to 6 hours, one-minute rollups up to 2 days, hourly up to 90
         * days, daily beyond (at most a few thousand points each).
         */
        static Resolution fitting(Instant from, Instant to) {
            long hours = java.time.Duration.between(from, to).toHours();
            if (hours <= 6) {
                return RAW;
            }
            if (hours <= 48) {
                return MINUTE;
            }
            return hours <= 90 * 24 ? HOUR : DAY;
        }

        /**
         * The longest range a resolution is read over: 31 days of raw readings, a year of one-minute rollups (longer
         * ranges are a scan of a series' whole history for pages nobody reads; ask a coarser resolution).
         */
        java.time.Duration maxRange() {
            return switch (this) {
                case RAW -> java.time.Duration.ofDays(31);
                case MINUTE -> java.time.Duration.ofDays(366);
                case HOUR, DAY -> null;
            };
        }

        /** 400 naming {@code ?resolution} when the range is longer than this resolution is read over. */
        void check(Instant from, Instant to) {
            java.time.Duration max = maxRange();
            if (max != null && java.time.Duration.between(from, to).compareTo(max) > 0) {
                throw ApiProblem.invalid(
                        "?resolution",
                        text + " covers at most " + max.toDays()
                                + " days; ask a coarser resolution or a shorter range");
            }
        }
    }

    /** A condition on a column, when its value is given. */
    record Filter(String column, Object value) {}

    /** A keyset condition: the rows after the last one of the previous page. */
    record Seek(String condition, List<Object> params) {}

    private final DataSource dataSource;

    TelemetryReads(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    List<Map<String, Object>> facilities(Page page) throws SQLException {
        return query("SELECT facility_id AS \"facilityId\", name, timezone FROM facility ORDER BY facility_id", page);
    }

    List<Map<String, Object>> rooms(String facility, Page page) throws SQLException {
        return query(
                "SELECT room_id AS \"roomId\", facility_id AS \"facilityId\", zone_id AS \"zoneId\", name,"
                        + " target_vpd_kpa AS \"targetVpdKpa\", target_temperature_c AS \"targetTemperatureC\","
                        + " birds_start AS \"birdsStart\", flock_placed_on AS \"flockPlacedOn\" FROM room",
                List.of(new Filter("facility_id", facility)),
                "room_id",
                page);
    }

    private static final String DEVICE_COLUMNS = "SELECT d.device_id AS \"deviceId\", d.site AS \"facilityId\","
            + " d.room AS \"roomId\", d.rack_id AS \"rackId\", d.type, d.serial, d.firmware, d.name,"
            + " d.expected_interval_ms AS \"expectedIntervalMs\", s.last_seen AS \"lastSeen\""
            + " FROM device d LEFT JOIN device_status s ON s.device_id = d.device_id";

    List<Map<String, Object>> devices(String facility, String room, Page page) throws SQLException {
        return query(
                DEVICE_COLUMNS,
                List.of(new Filter("d.site", facility), new Filter("d.room", room)),
                "d.device_id",
                page);
    }

    Map<String, Object> device(String deviceId) throws SQLException {
        List<Map<String, Object>> rows =
                query(DEVICE_COLUMNS, List.of(new Filter("d.device_id", deviceId)), "d.device_id", new Page(1, 0));
        if (rows.isEmpty()) {
            throw ApiProblem.notFound("no device " + deviceId);
        }
        return rows.get(0);
    }

    List<Map<String, Object>> sensors(String deviceId, Page page) throws SQLException {
        return query(
                "SELECT device_id AS \"deviceId\", sensor, unit, data_type AS \"dataType\", channel, description,"
                        + " calibration_offset AS \"calibrationOffset\", valid_min AS \"validMin\","
                        + " valid_max AS \"validMax\", expected_interval_ms AS \"expectedIntervalMs\" FROM sensor",
                List.of(new Filter("device_id", deviceId)),
                "sensor",
                page);
    }

    private static final String LATEST_COLUMNS =
            "SELECT device_id AS \"deviceId\", sensor, time, value, unit, quality FROM latest_value";

    /** The newest value of each series of a device, by sensor, after the sensor {@code after} when given. */
    List<Map<String, Object>> deviceLatest(String deviceId, String after, Page page) throws SQLException {
        return query(
                LATEST_COLUMNS,
                List.of(new Filter("device_id", deviceId)),
                after == null ? null : new Seek("sensor COLLATE \"C\" > ?", List.of(after)),
                "sensor COLLATE \"C\"",
                page);
    }

    /**
     * The newest value of each series of the devices of a room (registered in the room, or whose newest reading was
     * in it), by device and sensor, after the series {@code (afterDevice, afterSensor)} when given.
     */
    List<Map<String, Object>> roomLatest(String room, String afterDevice, String afterSensor, Page page)
            throws SQLException {
        StringBuilder sql = new StringBuilder(
                LATEST_COLUMNS + " WHERE (device_id IN (SELECT device_id FROM device WHERE room = ?) OR room = ?)");
        List<Object> params = new ArrayList<>(List.of(room, room));
        if (afterDevice != null) {
            sql.append(" AND (device_id COLLATE \"C\", sensor COLLATE \"C\") > (?, ?)");
            params.add(afterDevice);
            params.add(afterSensor);
        }
        sql.append(" ORDER BY device_id COLLATE \"C\", sensor COLLATE \"C\" LIMIT ? OFFSET ?");
        params.add(page.limit() + 1);
        params.add(page.offset());
        return rows(sql.toString(), params);
    }

    /** The newest value of each series of the given devices (those Redis had nothing of), by device and sensor. */
    List<Map<String, Object>> latestOf(List<String> deviceIds) throws SQLException {
        if (deviceIds.isEmpty()) {
            return List.of();
        }
        try (Connection c = dataSource.getConnection()) {
            java.sql.Array ids = c.createArrayOf("text", deviceIds.toArray());
            return rows(
                    c,
                    LATEST_COLUMNS + " WHERE device_id = ANY (?)"
                            + " ORDER BY device_id COLLATE \"C\", sensor COLLATE \"C\"",
                    List.of(ids));
        }
    }

    /** The devices registered in a room, by id. */
    List<String> roomDeviceIds(String room) throws SQLException {
        List<String> ids = new ArrayList<>();
        for (Map<String, Object> row :
                rows("SELECT device_id FROM device WHERE room = ? ORDER BY device_id", List.of(room))) {
            ids.add((String) row.get("device_id"));
        }
        return ids;
    }

    /** The newest window of each KPI of a room, by name, after the name {@code after} when given. */
    List<Map<String, Object>> latestKpis(String room, String after, Page page) throws SQLException {
        return query(
                "SELECT DISTINCT ON (name COLLATE \"C\") name, value, unit, window_start AS \"windowStart\","
                        + " window_end AS \"windowEnd\" FROM kpi",
                List.of(new Filter("room", room)),
                after == null ? null : new Seek("name COLLATE \"C\" > ?", List.of(after)),
                "name COLLATE \"C\", window_end DESC",
                page);
    }

    /** Every window of a room's KPIs (of one KPI when named) in a range, oldest first. */
    List<Map<String, Object>> kpiHistory(String room, String name, Instant from, Instant to, Page page)
            throws SQLException {
        List<Object> params = new ArrayList<>(List.of(room, utc(from), utc(to)));
        String byName = "";
        if (name != null) {
            byName = " AND name = ?";
            params.add(name);
        }
        params.add(page.limit() + 1);
        params.add(page.offset());
        return rows(
                "SELECT name, value, unit, window_start AS \"windowStart\", window_end AS \"windowEnd\", inputs FROM kpi"
                        + " WHERE room = ? AND window_start >= ? AND window_start < ?" + byName
                        + " ORDER BY window_start, name LIMIT ? OFFSET ?",
                params);
    }

    /** One row per day of a room (the room_daily view): the day's counters, climate and daily KPIs. */
    List<Map<String, Object>> roomDaily(String room, Instant from, Instant to, Page page) throws SQLException {
        return rows(
                "SELECT day, site AS \"facilityId\", room AS \"roomId\", eggs_produced AS \"eggsProduced\","
                        + " feed_consumed_kg AS \"feedConsumedKg\", water_consumed_l AS \"waterConsumedL\", deaths,"
                        + " birds_remaining AS \"birdsRemaining\", avg_weight_kg AS \"avgWeightKg\","
                        + " temperature_c AS \"temperatureC\", humidity_pct AS \"humidityPct\", fcr,"
                        + " mortality_rate AS \"mortalityRate\", production_rate AS \"productionRate\", dli, readings"
                        + " FROM room_daily WHERE room = ? AND day >= ? AND day < ? ORDER BY day LIMIT ? OFFSET ?",
                List.of(room, utc(from), utc(to), page.limit() + 1, page.offset()));
    }

    /** A series' history at a resolution, oldest first. */
    List<Map<String, Object>> series(
            String deviceId, String sensor, Resolution resolution, Instant from, Instant to, Page page)
            throws SQLException {
        String sql = switch (resolution) {
            case RAW ->
                "SELECT time, value, unit, quality FROM measurement WHERE device_id = ? AND sensor = ?"
                        + " AND time >= ? AND time < ? ORDER BY time";
            case MINUTE, HOUR -> aggregate(resolution == Resolution.MINUTE ? "aggregate_1m" : "aggregate_1h", true);
            case DAY -> aggregate("aggregate_1d", false);
        };
        return rows(
                sql + " LIMIT ? OFFSET ?",
                List.of(deviceId, sensor, utc(from), utc(to), page.limit() + 1, page.offset()));
    }

    private static String aggregate(String table, boolean quantiles) {
        return "SELECT window_start AS time, window_end AS \"windowEnd\", unit, count, min, max, mean, stddev,"
                + " first, last" + (quantiles ? ", p50, p95, p99" : "") + ", bad_count AS \"badCount\" FROM "
                + table + " WHERE device_id = ? AND sensor = ? AND window_start >= ? AND window_start < ?"
                + " ORDER BY window_start";
    }

    private static final String ALERT_COLUMNS = "alert_id AS \"alertId\", rule_id AS \"ruleId\", kind, state,"
            + " severity, device_id AS \"deviceId\", sensor, site AS \"facilityId\", room AS \"roomId\", direction,"
            + " value, threshold, clear_threshold AS \"clearThreshold\", since, event_time AS time, message";

    /** Alerts raised or escalated and not cleared, by alert id, after the id {@code after} when given. */
    List<Map<String, Object>> activeAlerts(List<Filter> filters, String after, Page page) throws SQLException {
        return query(
                "SELECT " + ALERT_COLUMNS + " FROM active_alert",
                filters,
                after == null ? null : new Seek("alert_id COLLATE \"C\" > ?", List.of(after)),
                "alert_id COLLATE \"C\"",
                page);
    }

    /** Every alert transition in a time range, newest first. */
    List<Map<String, Object>> alertHistory(Instant from, Instant to, List<Filter> filters, Page page)
            throws SQLException {
        List<Filter> all = new ArrayList<>(filters);
        StringBuilder sql = new StringBuilder(
                "SELECT " + ALERT_COLUMNS + " FROM alert WHERE event_time >= ? AND " + "event_time < ?");
        List<Object> params = new ArrayList<>(List.of(utc(from), utc(to)));
        for (Filter filter : all) {
            if (filter.value() != null) {
                sql.append(" AND ").append(filter.column()).append(" = ?");
                params.add(filter.value());
            }
        }
        sql.append(" ORDER BY event_time DESC, alert_id, state LIMIT ? OFFSET ?");
        params.add(page.limit() + 1);
        params.add(page.offset());
        return rows(sql.toString(), params);
    }

    private static java.time.OffsetDateTime utc(Instant instant) {
        return instant.atOffset(java.time.ZoneOffset.UTC);
    }

    private List<Map<String, Object>> query(String select, Page page) throws SQLException {
        return query(select, List.of(), null, page);
    }

    private List<Map<String, Object>> query(String select, List<Filter> filters, String order, Page page)
            throws SQLException {
        return query(select, filters, null, order, page);
    }

    /**
     * {@code select} with the filters that have a value and the keyset condition when given, ordered, and paged
     * (limit and offset in SQL) when a page is given.
     */
    private List<Map<String, Object>> query(String select, List<Filter> filters, Seek seek, String order, Page page)
            throws SQLException {
        StringBuilder sql = new StringBuilder(select);
        List<Object> params = new ArrayList<>();
        String glue = " WHERE ";
        for (Filter filter : filters) {
            if (filter.value() != null) {
                sql.append(glue).append(filter.column()).append(" = ?");
                params.add(filter.value());
                glue = " AND ";
            }
        }
        if (seek != null) {
            sql.append(glue).append(seek.condition());
            params.addAll(seek.params());
        }
        if (order != null) {
            sql.append(" ORDER BY ").append(order);
        }
        if (page != null) {
            sql.append(" LIMIT ? OFFSET ?");
            params.add(page.limit() + 1);
            params.add(page.offset());
        }
        return rows(sql.toString(), params);
    }

    private List<Map<String, Object>> rows(String sql, List<Object> params) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return rows(c, sql, params);
        }
    }

    private static List<Map<String, Object>> rows(Connection c, String sql, List<Object> params) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.size(); i++) {
                st.setObject(i + 1, params.get(i));
            }
            try (ResultSet rs = st.executeQuery()) {
                ResultSetMetaData meta = rs.getMetaData();
                List<Map<String, Object>> rows = new ArrayList<>();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        row.put(meta.getColumnLabel(i), json(rs.getObject(i)));
                    }
                    rows.add(row);
                }
                return rows;
            }
        }
    }

    /** A column value as JSON shows it: instants in ISO-8601 UTC, jsonb parsed, non-finite numbers null. */
    private static Object json(Object value) throws SQLException {
        if (value instanceof Timestamp timestamp) {
            return timestamp.toInstant().toString();
        }
        if (value instanceof java.sql.Date date) {
            return date.toLocalDate().toString();
        }
        if (value instanceof Double d && !Double.isFinite(d)) {
            return null;
        }
        if (value instanceof PGobject object) {
            if (object.getValue() == null) {
                return null;
            }
            if ("jsonb".equals(object.getType()) || "json".equals(object.getType())) {
                try {
                    return JSON.readTree(object.getValue());
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new SQLException("unreadable " + object.getType() + " column", e);
                }
            }
            return object.getValue();
        }
        return value;
    }
}
