package io.fieldline.app.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LiveReadsTest {

    private static Map<String, Object> alert(String id, String time) {
        Map<String, Object> item = new HashMap<>();
        item.put("alertId", id);
        item.put("time", time);
        return item;
    }

    @Test
    void shouldSortActiveAlertsNewestFirstByInstantNotByText() {
        // As text "10:00:00Z" sorts after "10:00:00.500Z", though it is half a second earlier.
        List<Map<String, Object>> items = new ArrayList<>(List.of(
                alert("a", "2026-02-01T10:00:00Z"),
                alert("b", "2026-02-01T10:00:00.500Z"),
                alert("c", null),
                alert("d", "2026-02-01T09:59:59.900Z"),
                alert("e", "2026-02-01T10:00:00Z")));
        items.sort(LiveReads.NEWEST_FIRST);
        assertThat(items).extracting(item -> item.get("alertId")).containsExactly("b", "a", "e", "d", "c");
    }
}
