package io.fieldline.app.can;

import io.fieldline.app.up.PipelineComponent;
import io.fieldline.app.up.UpContext;
import io.fieldline.bridge.can.CanBridgeConfig;
import io.fieldline.bridge.can.CanBridgeService;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CAN bridge as a {@code fieldline up} component. With no {@code can.*} settings it replays the bundled demo
 * log with the bundled demo DBC, looping, with timestamps shifted to now, so the demo's readings look live;
 * any {@code can.*} key of the configuration overrides that.
 */
public final class CanBridgeComponent implements PipelineComponent {

    private static final Logger LOG = LoggerFactory.getLogger(CanBridgeComponent.class);

    private final CanBridgeService service;

    private CanBridgeComponent(CanBridgeService service) {
        this.service = service;
    }

    /** The component for the servers and settings of a {@code fieldline up} run. */
    public static CanBridgeComponent create(UpContext context) {
        Map<String, Object> can = new HashMap<>();
        context.config().forEach((k, v) -> {
            if (k.startsWith("can.")) {
                can.put(k, v);
            }
        });
        can.putIfAbsent(CanBridgeConfig.REPLAY_TIMESTAMPS, "shifted");
        can.putIfAbsent(CanBridgeConfig.REPLAY_LOOP, "true");
        return new CanBridgeComponent(new CanBridgeService(context.stack().kafka().bootstrapServers(),
                context.stack().schemaRegistry().url(), context.topics(), new CanBridgeConfig(can), context.meters()));
    }

    @Override
    public String name() {
        return "can";
    }

    @Override
    public void start() throws Exception {
        service.start();
    }

    @Override
    public Map<String, Object> summary() {
        Exception failure = service.failure();
        Map<String, Object> summary = new java.util.LinkedHashMap<>(service.summary());
        if (failure != null) {
            summary.put("failure", failure.getMessage());
        }
        return summary;
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (RuntimeException e) {
            LOG.warn("Closing the CAN bridge failed", e);
        }
    }
}
