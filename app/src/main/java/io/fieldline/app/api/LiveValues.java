package io.fieldline.app.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live lists of the API: a device's or a room's latest values, a room's KPIs, the active alerts. Read from Redis
 * ({@link LiveReads}); from PostgreSQL ({@link TelemetryReads}) when Redis does not answer (an outage: {@code
 * fieldline.api.live.fallbacks}), and, while Redis answers, for a device or room of which Redis holds no readable
 * value (its key expired, was evicted, or was lost in a restart without persistence: {@code
 * fieldline.api.live.misses}). The answer's {@code source} says which: {@code redis}, {@code postgresql}, or
 * {@code mixed} (a room's latest values, some devices from each; each latest value then has its own {@code
 * source}).
 *
 * <p>Pages follow a fixed order (sensor; device then sensor; KPI name; alert id, all by code point, the same in
 * both sources) and are read by key: {@code page.next} carries an {@code after} cursor, the key of the page's last
 * item, so a request reads only its page (Redis: the sorted ids, then only the page's hashes in one pipelined
 * round trip; PostgreSQL: {@code LIMIT} with a keyset condition), and consecutive pages neither repeat nor skip an
 * item even when the set changes in between. {@code offset} still skips items after the cursor (at the cost of
 * reading them).
 */
final class LiveValues {

    private static final Logger LOG = LoggerFactory.getLogger(LiveValues.class);

    static final String SOURCE_MIXED = "mixed";

    /** Orders as PostgreSQL's {@code COLLATE "C"} does for UTF-8: by code point. */
    static final Comparator<String> CODE_POINT_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    };

    /** Hashes fetched in one pipelined round trip at most, when a page needs more devices or alerts. */
    private static final int MAX_BATCH = 500;

    private final LiveReads live;
    private final TelemetryReads reads;
    private final Counter fallbacks;
    private final Counter latestMisses;
    private final Counter kpiMisses;

    LiveValues(LiveReads live, TelemetryReads reads, Counter fallbacks, MeterRegistry meters) {
        this.live = live;
        this.reads = reads;
        this.fallbacks = fallbacks;
        this.latestMisses = misses(meters, LiveReads.KIND_LATEST);
        this.kpiMisses = misses(meters, LiveReads.KIND_KPI);
    }

    private static Counter misses(MeterRegistry meters, String kind) {
        return Counter.builder(ApiServer.METER_MISSES)
                .description("Devices (latest values) or rooms (KPIs) read from PostgreSQL while Redis answered, "
                        + "because Redis held no readable value of them")
                .tag("kind", kind)
                .register(meters);
    }

    /** One request of a live list: its page, the {@code after} cursor, and what {@code page.next} is built from. */
    record Request(Page page, String after, String rawPath, Map<String, String> query) {

        /** The request's page of a list read whole (a hash of one key): after the cursor, offset skipped. */
        List<Map<String, Object>> slice(
                List<Map<String, Object>> sorted, Comparator<Map<String, Object>> key, Map<String, Object> cursor) {
            List<Map<String, Object>> after = new ArrayList<>();
            for (Map<String, Object> item : sorted) {
                if (cursor == null || key.compare(item, cursor) > 0) {
                    after.add(item);
                }
            }
            return page.slice(after);
        }
    }

    // --- the lists

    Map<String, Object> deviceLatest(String deviceId, Request request) throws SQLException {
        String after = request.after() == null ? null : parts(request.after(), 1)[0];
        Optional<Map<String, List<Map<String, Object>>>> redis = live.latest(List.of(deviceId));
        if (redis.isPresent() && !redis.get().get(deviceId).isEmpty()) {
            Map<String, Object> cursor = after == null ? null : Map.of("sensor", after);
            List<Map<String, Object>> rows =
                    request.slice(tagged(redis.get().get(deviceId), ApiServer.SOURCE_REDIS), BY_SENSOR, cursor);
            return document(rows, ApiServer.SOURCE_REDIS, request, item -> cursor(item.get("sensor")));
        }
        (redis.isPresent() ? latestMisses : fallbacks).increment();
        List<Map<String, Object>> rows =
                tagged(reads.deviceLatest(deviceId, after, request.page()), ApiServer.SOURCE_POSTGRES);
        return document(rows, ApiServer.SOURCE_POSTGRES, request, item -> cursor(item.get("sensor")));
    }

    /**
     * The latest values of a room's devices: those the Redis sink saw in the room and those registered in it
     * (PostgreSQL {@code device.room}), so that a device whose Redis keys are gone is still listed, from PostgreSQL.
     */
    Map<String, Object> roomLatest(String room, Request request) throws SQLException {
        String[] after = request.after() == null ? null : parts(request.after(), 2);
        Optional<Set<String>> seen = live.roomDevices(room);
        if (seen.isEmpty()) {
            return roomLatestFromPostgres(room, after, request);
        }
        NavigableSet<String> devices = new TreeSet<>(CODE_POINT_ORDER);
        devices.addAll(seen.get());
        try {
            devices.addAll(reads.roomDeviceIds(room));
        } catch (SQLException e) {
            // Redis answers: list what it has; a device it has nothing of needs PostgreSQL below anyway.
            LOG.debug("The devices registered in room {} could not be read: {}", room, e.toString());
        }
        if (after != null) {
            devices = devices.tailSet(after[0], true);
        }
        Page page = request.page();
        int need = page.offset() + page.limit() + 1;
        List<Map<String, Object>> collected = new ArrayList<>();
        boolean fromRedis = false;
        boolean fromPostgres = false;
        List<String> remaining = new ArrayList<>(devices);
        int next = 0;
        while (collected.size() < need && next < remaining.size()) {
            int batch = Math.min(MAX_BATCH, Math.max(8, need - collected.size()));
            List<String> chunk = remaining.subList(next, Math.min(remaining.size(), next + batch));
            next += chunk.size();
            Optional<Map<String, List<Map<String, Object>>>> redis = live.latest(chunk);
            if (redis.isEmpty()) {
                return roomLatestFromPostgres(room, after, request);
            }
            List<String> missing = new ArrayList<>();
            redis.get().forEach((device, items) -> {
                if (items.isEmpty()) {
                    missing.add(device);
                }
            });
            Map<String, List<Map<String, Object>>> postgres = new LinkedHashMap<>();
            for (Map<String, Object> row : reads.latestOf(missing)) {
                postgres.computeIfAbsent((String) row.get("deviceId"), d -> new ArrayList<>())
                        .add(row);
            }
            latestMisses.increment(missing.size());
            for (String device : chunk) {
                List<Map<String, Object>> items = redis.get().get(device);
                String source = ApiServer.SOURCE_REDIS;
                if (items.isEmpty()) {
                    items = postgres.getOrDefault(device, List.of());
                    source = ApiServer.SOURCE_POSTGRES;
                }
                for (Map<String, Object> item : tagged(items, source)) {
                    if (after != null
                            && device.equals(after[0])
                            && CODE_POINT_ORDER.compare((String) item.get("sensor"), after[1]) <= 0) {
                        continue;
                    }
                    collected.add(item);
                    fromRedis |= source.equals(ApiServer.SOURCE_REDIS);
                    fromPostgres |= source.equals(ApiServer.SOURCE_POSTGRES);
                }
            }
        }
        List<Map<String, Object>> rows =
                collected.subList(Math.min(page.offset(), collected.size()), Math.min(need, collected.size()));
        String source = fromPostgres ? (fromRedis ? SOURCE_MIXED : ApiServer.SOURCE_POSTGRES) : ApiServer.SOURCE_REDIS;
        return document(rows, source, request, item -> cursor(item.get("deviceId"), item.get("sensor")));
    }

    private Map<String, Object> roomLatestFromPostgres(String room, String[] after, Request request)
            throws SQLException {
        fallbacks.increment();
        List<Map<String, Object>> rows = tagged(
                reads.roomLatest(
                        room, after == null ? null : after[0], after == null ? null : after[1], request.page()),
                ApiServer.SOURCE_POSTGRES);
        return document(
                rows, ApiServer.SOURCE_POSTGRES, request, item -> cursor(item.get("deviceId"), item.get("sensor")));
    }

    Map<String, Object> roomKpis(String room, Request request) throws SQLException {
        String after = request.after() == null ? null : parts(request.after(), 1)[0];
        Optional<List<Map<String, Object>>> redis = live.roomKpis(room);
        if (redis.isPresent() && !redis.get().isEmpty()) {
            Map<String, Object> cursor = after == null ? null : Map.of("name", after);
            return document(
                    request.slice(redis.get(), BY_NAME, cursor),
                    ApiServer.SOURCE_REDIS,
                    request,
                    item -> cursor(item.get("name")));
        }
        (redis.isPresent() ? kpiMisses : fallbacks).increment();
        return document(
                reads.latestKpis(room, after, request.page()),
                ApiServer.SOURCE_POSTGRES,
                request,
                item -> cursor(item.get("name")));
    }

    /**
     * The active alerts, by alert id. {@code fields} (JSON name to value, a null value matches all) filter them; in
     * Redis the facility and room filters pick the id set, the others are applied to the details, fetched a page's
     * worth at a time.
     */
    Map<String, Object> activeAlerts(
            String facility,
            String room,
            Map<String, String> fields,
            List<TelemetryReads.Filter> filters,
            Request request)
            throws SQLException {
        String after = request.after() == null ? null : parts(request.after(), 1)[0];
        Optional<Set<String>> ids = live.activeAlertIds(facility, room);
        if (ids.isPresent()) {
            NavigableSet<String> sorted = new TreeSet<>(CODE_POINT_ORDER);
            sorted.addAll(ids.get());
            List<String> remaining = new ArrayList<>(after == null ? sorted : sorted.tailSet(after, false));
            Page page = request.page();
            int need = page.offset() + page.limit() + 1;
            List<Map<String, Object>> collected = new ArrayList<>();
            int next = 0;
            boolean answered = true;
            while (collected.size() < need && next < remaining.size()) {
                int batch = Math.min(MAX_BATCH, Math.max(8, need - collected.size()));
                List<String> chunk = remaining.subList(next, Math.min(remaining.size(), next + batch));
                next += chunk.size();
                Optional<List<Map<String, Object>>> details = live.alertDetails(chunk);
                if (details.isEmpty()) {
                    answered = false;
                    break;
                }
                for (Map<String, Object> item : details.get()) {
                    boolean keep = fields.entrySet().stream()
                            .allMatch(f -> f.getValue() == null || f.getValue().equals(item.get(f.getKey())));
                    if (keep) {
                        collected.add(item);
                    }
                }
            }
            if (answered) {
                List<Map<String, Object>> rows =
                        collected.subList(Math.min(page.offset(), collected.size()), Math.min(need, collected.size()));
                return document(rows, ApiServer.SOURCE_REDIS, request, item -> cursor(item.get("alertId")));
            }
        }
        fallbacks.increment();
        return document(
                reads.activeAlerts(filters, after, request.page()),
                ApiServer.SOURCE_POSTGRES,
                request,
                item -> cursor(item.get("alertId")));
    }

    // --- pages

    private static final Comparator<Map<String, Object>> BY_SENSOR =
            Comparator.comparing(item -> (String) item.get("sensor"), CODE_POINT_ORDER);
    private static final Comparator<Map<String, Object>> BY_NAME =
            Comparator.comparing(item -> (String) item.get("name"), CODE_POINT_ORDER);

    private static List<Map<String, Object>> tagged(List<Map<String, Object>> items, String source) {
        for (Map<String, Object> item : items) {
            item.put("source", source);
        }
        return items;
    }

    /**
     * The list's document (items, page, source) and, when there is a next page, {@code page.next}: this request's path
     * and query with {@code after} set to the cursor of the page's last item and no {@code offset}.
     */
    private static Map<String, Object> document(
            List<Map<String, Object>> rows,
            String source,
            Request request,
            java.util.function.Function<Map<String, Object>, String> cursorOf) {
        Page page = request.page();
        Map<String, Object> doc = page.document(rows, source);
        if (rows.size() > page.limit()) {
            Map<String, String> next = new LinkedHashMap<>(request.query());
            next.remove("offset");
            next.put("after", cursorOf.apply(rows.get(page.limit() - 1)));
            @SuppressWarnings("unchecked")
            Map<String, Object> pageDoc = (Map<String, Object>) doc.get("page");
            pageDoc.put("next", link(request.rawPath(), next));
        }
        return doc;
    }

    /** {@code rawPath} with {@code query} URL-encoded: a page's {@code next} link. */
    static String link(String rawPath, Map<String, String> query) {
        StringBuilder link = new StringBuilder(rawPath);
        char separator = '?';
        for (Map.Entry<String, String> parameter : query.entrySet()) {
            link.append(separator)
                    .append(java.net.URLEncoder.encode(parameter.getKey(), StandardCharsets.UTF_8))
                    .append('=')
                    .append(java.net.URLEncoder.encode(parameter.getValue(), StandardCharsets.UTF_8));
            separator = '&';
        }
        return link.toString();
    }

    /** Marks a cursor of this API, so that another base64url text is refused rather than read as a key. */
    private static final String CURSOR_MARK = "fl1";

    /** An opaque cursor: a mark and the key parts of an item, NUL-separated (no key holds a NUL), base64url. */
    static String cursor(Object... parts) {
        StringBuilder text = new StringBuilder(CURSOR_MARK);
        for (Object part : parts) {
            text.append('\0').append(part);
        }
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The key parts of a cursor of this list; 400 naming {@code ?after} when it is not one. */
    static String[] parts(String cursor, int count) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            String[] parts = text.split("\0", -1);
            if (parts.length == count + 1 && parts[0].equals(CURSOR_MARK)) {
                return java.util.Arrays.copyOfRange(parts, 1, parts.length);
            }
        } catch (IllegalArgumentException e) {
            // not base64url: answered below
        }
        throw ApiProblem.invalid("?after", "not a cursor of this list; take it from page.next");
    }
}
