package io.fieldline.app.imports;

import io.fieldline.app.imports.CsvColumns.Column;
import io.fieldline.app.imports.CsvColumns.Kind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the date, the room and the metrics are in one file, from its header row.
 *
 * @param dateIndex the date (or timestamp) column
 * @param roomIndex the room column, or -1: the whole file is one room
 * @param metrics   metric columns by index, in file order
 * @param ignored   header names that mean nothing to Fieldline
 */
public record CsvLayout(int dateIndex, int roomIndex, Map<Integer, Column> metrics, List<String> ignored) {

    public CsvLayout {
        metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        ignored = List.copyOf(ignored);
    }

    /**
     * The layout of a header row.
     *
     * @throws CsvImportException when there is no date column, no metric column, or a meaning appears twice
     */
    public static CsvLayout of(List<String> header) {
        int date = -1;
        int room = -1;
        Map<Integer, Column> metrics = new LinkedHashMap<>();
        Map<String, String> seen = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        for (int i = 0; i < header.size(); i++) {
            String name = header.get(i);
            Optional<Column> column = CsvColumns.resolve(name);
            if (column.isEmpty()) {
                if (!CsvColumns.normalize(name).isEmpty()) {
                    ignored.add(name);
                }
                continue;
            }
            String previous = seen.put(column.get().sensor(), name);
            if (previous != null) {
                throw new CsvImportException("columns '" + previous + "' and '" + name + "' both map to "
                        + column.get().sensor());
            }
            if (column.get().kind() == Kind.DATE) {
                date = i;
            } else if (column.get().kind() == Kind.ROOM) {
                room = i;
            } else {
                metrics.put(i, column.get());
            }
        }
        if (date < 0) {
            throw new CsvImportException(
                    "no date column (a 'date' or 'timestamp' header is required); header: " + String.join(",", header));
        }
        if (metrics.isEmpty()) {
            throw new CsvImportException("no metric column; known metrics: " + String.join(", ", CsvColumns.sensors())
                    + "; header: " + String.join(",", header));
        }
        return new CsvLayout(date, room, metrics, ignored);
    }
}
