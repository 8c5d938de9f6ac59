package io.fieldline.sink.dao;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/** What operators ask of the stored telemetry, through the views of the migrations. */
@RegisterRowMapper(StorageDao.LatestValueMapper.class)
@RegisterRowMapper(StorageDao.ActiveAlertMapper.class)
@RegisterRowMapper(StorageDao.RoomHourMapper.class)
public interface StorageDao {

    /** Newest value of one series (view latest_value). */
    record LatestValue(
            String deviceId,
            String sensor,
            Instant time,
            double value,
            String unit,
            String quality,
            String site,
            String room,
            Boolean overdue) {}

    /** An alert raised or escalated and not cleared (view active_alert). */
    record ActiveAlert(
            String alertId,
            String ruleId,
            String state,
            String severity,
            String deviceId,
            String sensor,
            String room,
            Double value,
            Double threshold,
            Instant since,
            Instant eventTime,
            String message) {}

    /** One room, sensor and hour (view room_hourly_stats). */
    record RoomHour(
            String site,
            String room,
            String sensor,
            Instant hour,
            String unit,
            long devices,
            long readings,
            double min,
            double max,
            double mean,
            double stddev) {}

    @SqlQuery("SELECT * FROM latest_value WHERE device_id = :deviceId ORDER BY sensor")
    List<LatestValue> latestValues(@Bind("deviceId") String deviceId);

    @SqlQuery("SELECT * FROM latest_value WHERE device_id = :deviceId AND sensor = :sensor")
    Optional<LatestValue> latestValue(@Bind("deviceId") String deviceId, @Bind("sensor") String sensor);

    @SqlQuery("SELECT * FROM latest_value WHERE room = :room ORDER BY device_id, sensor")
    List<LatestValue> latestValuesInRoom(@Bind("room") String room);

    @SqlQuery("SELECT * FROM active_alert ORDER BY since, alert_id")
    List<ActiveAlert> activeAlerts();

    @SqlQuery(
            "SELECT * FROM room_hourly_stats WHERE room = :room AND hour >= :from AND hour < :to ORDER BY hour, sensor")
    List<RoomHour> roomHourlyStats(@Bind("room") String room, @Bind("from") Instant from, @Bind("to") Instant to);

    @SqlQuery("SELECT count(*) FROM measurement WHERE device_id = :deviceId AND sensor = :sensor")
    long measurementCount(@Bind("deviceId") String deviceId, @Bind("sensor") String sensor);

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        java.sql.Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static Double nullableDouble(ResultSet rs, String column) throws SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() ? null : v;
    }

    /** Row mapper of {@link LatestValue}. */
    final class LatestValueMapper implements RowMapper<LatestValue> {
        @Override
        public LatestValue map(ResultSet rs, StatementContext ctx) throws SQLException {
            boolean overdue = rs.getBoolean("overdue");
            return new LatestValue(
                    rs.getString("device_id"),
                    rs.getString("sensor"),
                    instant(rs, "time"),
                    rs.getDouble("value"),
                    rs.getString("unit"),
                    rs.getString("quality"),
                    rs.getString("site"),
                    rs.getString("room"),
                    rs.wasNull() ? null : overdue);
        }
    }

    /** Row mapper of {@link ActiveAlert}. */
    final class ActiveAlertMapper implements RowMapper<ActiveAlert> {
        @Override
        public ActiveAlert map(ResultSet rs, StatementContext ctx) throws SQLException {
            return new ActiveAlert(
                    rs.getString("alert_id"),
                    rs.getString("rule_id"),
                    rs.getString("state"),
                    rs.getString("severity"),
                    rs.getString("device_id"),
                    rs.getString("sensor"),
                    rs.getString("room"),
                    nullableDouble(rs, "value"),
                    nullableDouble(rs, "threshold"),
                    instant(rs, "since"),
                    instant(rs, "event_time"),
                    rs.getString("message"));
        }
    }

    /** Row mapper of {@link RoomHour}. */
    final class RoomHourMapper implements RowMapper<RoomHour> {
        @Override
        public RoomHour map(ResultSet rs, StatementContext ctx) throws SQLException {
            return new RoomHour(
                    rs.getString("site"),
                    rs.getString("room"),
                    rs.getString("sensor"),
                    instant(rs, "hour"),
                    rs.getString("unit"),
                    rs.getLong("devices"),
                    rs.getLong("readings"),
                    rs.getDouble("min"),
                    rs.getDouble("max"),
                    rs.getDouble("mean"),
                    rs.getDouble("stddev"));
        }
    }
}
