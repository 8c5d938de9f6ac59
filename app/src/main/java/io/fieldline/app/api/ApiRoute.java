package io.fieldline.app.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every route of the HTTP API: method, path template, the token scope it needs (none for {@code /openapi.json} and {@code /asyncapi.json}) and
 * the query parameters it takes (any other is refused with 400). {@code OpenApiRoutesTest} checks this table and
 * {@code openapi.json} against each other, both ways.
 */
public enum ApiRoute {
    LIST_FACILITIES("GET", "/api/v1/facilities", ApiTokens.Scope.READ, "limit", "offset"),
    LIST_ROOMS("GET", "/api/v1/rooms", ApiTokens.Scope.READ, "facility", "limit", "offset"),
    LIST_DEVICES("GET", "/api/v1/devices", ApiTokens.Scope.READ, "facility", "room", "limit", "offset"),
    GET_DEVICE("GET", "/api/v1/devices/{deviceId}", ApiTokens.Scope.READ),
    LIST_SENSORS("GET", "/api/v1/devices/{deviceId}/sensors", ApiTokens.Scope.READ, "limit", "offset"),
    DEVICE_LATEST("GET", "/api/v1/devices/{deviceId}/latest", ApiTokens.Scope.READ, "after", "limit", "offset"),
    SERIES(
            "GET",
            "/api/v1/devices/{deviceId}/sensors/{sensor}/series",
            ApiTokens.Scope.READ,
            "from",
            "to",
            "resolution",
            "limit",
            "offset"),
    ROOM_LATEST("GET", "/api/v1/rooms/{roomId}/latest", ApiTokens.Scope.READ, "after", "limit", "offset"),
    ROOM_KPIS("GET", "/api/v1/rooms/{roomId}/kpis", ApiTokens.Scope.READ, "after", "limit", "offset"),
    ROOM_KPI_HISTORY(
            "GET",
            "/api/v1/rooms/{roomId}/kpis/history",
            ApiTokens.Scope.READ,
            "from",
            "to",
            "name",
            "limit",
            "offset"),
    ROOM_DAILY("GET", "/api/v1/rooms/{roomId}/daily", ApiTokens.Scope.READ, "from", "to", "limit", "offset"),
    ACTIVE_ALERTS(
            "GET",
            "/api/v1/alerts/active",
            ApiTokens.Scope.READ,
            "facility",
            "room",
            "device",
            "severity",
            "after",
            "limit",
            "offset"),
    ALERT_HISTORY(
            "GET",
            "/api/v1/alerts",
            ApiTokens.Scope.READ,
            "from",
            "to",
            "facility",
            "room",
            "device",
            "sensor",
            "severity",
            "state",
            "rule",
            "limit",
            "offset"),
    INGEST("POST", "/api/v1/measurements", ApiTokens.Scope.INGEST),
    OPENAPI("GET", "/openapi.json", null),
    ASYNCAPI("GET", "/asyncapi.json", null);

    private final String method;
    private final String template;
    private final ApiTokens.Scope scope;
    private final List<String> parameters;
    private final String[] segments;

    ApiRoute(String method, String template, ApiTokens.Scope scope, String... parameters) {
        this.method = method;
        this.template = template;
        this.scope = scope;
        this.parameters = List.of(parameters);
        this.segments = template.substring(1).split("/");
    }

    public String method() {
        return method;
    }

    public String template() {
        return template;
    }

    /** The scope a token needs, or null when the route needs no token. */
    public ApiTokens.Scope scope() {
        return scope;
    }

    /** The query parameters it takes. */
    public List<String> parameters() {
        return parameters;
    }

    /** The names of the path parameters, in order. */
    public List<String> pathParameters() {
        List<String> names = new ArrayList<>();
        for (String segment : segments) {
            if (segment.startsWith("{")) {
                names.add(segment.substring(1, segment.length() - 1));
            }
        }
        return names;
    }

    /**
     * The path parameters when the (decoded) path segments fit the template, else null.
     *
     * @param path the segments of the request path, already URL-decoded
     */
    Map<String, String> match(List<String> path) {
        if (path.size() != segments.length) {
            return null;
        }
        Map<String, String> params = new java.util.LinkedHashMap<>();
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            if (segment.startsWith("{")) {
                if (path.get(i).isEmpty()) {
                    return null;
                }
                params.put(segment.substring(1, segment.length() - 1), path.get(i));
            } else if (!segment.equals(path.get(i))) {
                return null;
            }
        }
        return params;
    }
}
