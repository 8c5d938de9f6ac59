package io.fieldline.dev.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The provisioned Grafana dashboards of compose/, and every query in them. */
final class Dashboards {

    static final String PROMETHEUS_UID = "prometheus";
    static final String TIMESCALEDB_UID = "timescaledb";

    private Dashboards() {}

    /** One query: of a panel's target, or of a template variable. */
    record Query(String dashboard, String panel, String datasourceUid, String text, String format) {
        boolean sql() {
            return TIMESCALEDB_UID.equals(datasourceUid);
        }

        String where() {
            return dashboard + " / " + panel;
        }
    }

    static List<Path> files() {
        try (Stream<Path> files = Files.list(DeploymentFiles.file("grafana/dashboards"))) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode read(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Query> queries() {
        List<Query> queries = new ArrayList<>();
        for (Path file : files()) {
            JsonNode board = read(file);
            String title = board.path("title").asText();
            for (JsonNode variable : board.path("templating").path("list")) {
                queries.add(new Query(
                        title,
                        "variable $" + variable.path("name").asText(),
                        variable.path("datasource").path("uid").asText(),
                        variable.path("query").asText(),
                        "table"));
            }
            for (JsonNode panel : board.path("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    String uid = target.path("datasource")
                            .path("uid")
                            .asText(panel.path("datasource").path("uid").asText());
                    String text = TIMESCALEDB_UID.equals(uid)
                            ? target.path("rawSql").asText()
                            : target.path("expr").asText();
                    queries.add(new Query(
                            title,
                            panel.path("title").asText() + " ["
                                    + target.path("refId").asText() + "]",
                            uid,
                            text,
                            target.path("format").asText("time_series")));
                }
            }
        }
        return queries;
    }
}
