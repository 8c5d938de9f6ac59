package io.fieldline.bridge.mqtt.route;

import io.fieldline.bridge.mqtt.decode.DecodeContext;
import io.fieldline.schemas.avro.Source;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A topic matched by a route, with the captured segments.
 *
 * @param route    the route that matched
 * @param topic    the MQTT topic
 * @param segments captured segments by name, in pattern order
 */
public record RouteMatch(Route route, String topic, Map<String, String> segments) {

    public RouteMatch {
        segments = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(segments));
    }

    /**
     * The decode context the route gives this message.
     *
     * @throws UnroutableMessageException when the device id template renders empty
     */
    public DecodeContext context(Instant ingestTime) throws UnroutableMessageException {
        String deviceId = null;
        if (route.device() != null) {
            deviceId = route.device().render(segments);
            if (deviceId.isBlank()) {
                throw new UnroutableMessageException("route " + route.name() + ": device id template '" + route.device()
                        + "' is empty for topic " + topic);
            }
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        if (route.segmentsAsAttributes()) {
            attributes.putAll(segments);
        }
        route.attributes().forEach((name, template) -> {
            String value = template.render(segments);
            if (!value.isEmpty()) {
                attributes.put(name, value);
            }
        });
        return new DecodeContext(
                deviceId,
                route.deviceField(),
                render(route.sensor()),
                render(route.site()),
                render(route.room()),
                attributes,
                ingestTime,
                Source.MQTT,
                route.maxFuture());
    }

    private String render(ValueTemplate template) {
        return Optional.ofNullable(template)
                .map(t -> t.render(segments))
                .filter(s -> !s.isEmpty())
                .orElse(null);
    }
}
