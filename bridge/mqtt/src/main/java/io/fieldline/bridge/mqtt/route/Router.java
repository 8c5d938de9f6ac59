package io.fieldline.bridge.mqtt.route;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Picks the route of an MQTT topic: the first route, in configuration order, whose pattern
 * matches. A pure function; immutable and thread-safe.
 */
public final class Router {

    private final List<Route> routes;

    public Router(List<Route> routes) {
        if (routes.isEmpty()) {
            throw new IllegalArgumentException("no routes");
        }
        this.routes = List.copyOf(routes);
    }

    /** The routes in matching order. */
    public List<Route> routes() {
        return routes;
    }

    /** The first route matching the topic, with its captured segments. */
    public Optional<RouteMatch> match(String topic) {
        for (Route route : routes) {
            Optional<Map<String, String>> segments = route.pattern().match(topic);
            if (segments.isPresent()) {
                return Optional.of(new RouteMatch(route, topic, segments.get()));
            }
        }
        return Optional.empty();
    }

    /**
     * The MQTT filters to subscribe to, one per distinct route filter, with the
     * {@code $share/<group>/} prefix for shared routes when a group is given.
     */
    public List<String> subscriptionFilters(String sharedGroup) {
        Set<String> filters = new LinkedHashSet<>();
        for (Route route : routes) {
            filters.add(subscriptionFilter(route.pattern().mqttFilter(), route.shared() ? sharedGroup : null));
        }
        return new ArrayList<>(filters);
    }

    /** {@code $share/<group>/<filter>}, or the filter itself when the group is null or empty. */
    public static String subscriptionFilter(String filter, String sharedGroup) {
        return sharedGroup == null || sharedGroup.isEmpty() ? filter : "$share/" + sharedGroup + "/" + filter;
    }
}
