package io.fieldline.app.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One page of a list: {@code limit} items from {@code offset}. A query asks for one more than the limit to tell
 * whether a next page exists.
 */
record Page(int limit, int offset) {

    /** The rows beyond the page dropped, and the list's JSON: items, page (limit, offset, next), source. */
    Map<String, Object> document(List<Map<String, Object>> rows, String source) {
        boolean more = rows.size() > limit;
        Map<String, Object> doc = new LinkedHashMap<>();
        if (source != null) {
            doc.put("source", source);
        }
        doc.put("items", more ? rows.subList(0, limit) : rows);
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("limit", limit);
        page.put("offset", offset);
        page.put("nextOffset", more ? offset + limit : null);
        doc.put("page", page);
        return doc;
    }

    /** This page of a list held in memory (one more item when there is a next page). */
    List<Map<String, Object>> slice(List<Map<String, Object>> all) {
        int from = Math.min(offset, all.size());
        int to = (int) Math.min((long) from + limit + 1, all.size());
        return all.subList(from, to);
    }
}
