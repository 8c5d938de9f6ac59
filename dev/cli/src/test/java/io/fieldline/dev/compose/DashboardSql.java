package io.fieldline.dev.compose;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the SQL of every provisioned Grafana panel and template variable on a database, Grafana's macros and
 * variables expanded (every value of a variable, as its "All" does), for the process tests that leave a real
 * pipeline's data behind (PipelineFaultIT on PostgreSQL, FieldlineUpIT on TimescaleDB).
 */
public final class DashboardSql {

    private DashboardSql() {}

    /** What a run found: rows per query (dashboard / panel), and the queries that failed, with the error. */
    public record Result(Map<String, Integer> rows, List<String> failures) {}

    public static Result run(Connection connection, Instant from, Instant to, boolean timescaledb) {
        Map<String, List<String>> variables = new LinkedHashMap<>();
        Map<String, Integer> rows = new LinkedHashMap<>();
        List<String> failures = new ArrayList<>();
        GrafanaMacros plain = new GrafanaMacros(from, to, "1m", timescaledb, Map.of());
        for (Dashboards.Query query : Dashboards.queries()) {
            if (query.sql() && query.panel().startsWith("variable $")) {
                try {
                    variables.put(
                            query.panel().substring("variable $".length()),
                            column(connection, plain.expand(query.text())));
                } catch (SQLException e) {
                    failures.add(query.where() + ": " + e.getMessage());
                }
            }
        }
        GrafanaMacros macros = new GrafanaMacros(from, to, "1m", timescaledb, variables);
        for (Dashboards.Query query : Dashboards.queries()) {
            if (!query.sql()) {
                continue;
            }
            String sql;
            try {
                sql = macros.expand(query.text());
            } catch (IllegalArgumentException e) {
                // A variable with no value (no poultry house registered): Grafana shows no data, runs nothing.
                rows.put(query.where(), 0);
                continue;
            }
            try {
                rows.put(query.where(), column(connection, sql).size());
            } catch (SQLException e) {
                failures.add(query.where() + ": " + e.getMessage() + "\n" + sql);
            }
        }
        return new Result(rows, failures);
    }

    static List<String> column(Connection connection, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
