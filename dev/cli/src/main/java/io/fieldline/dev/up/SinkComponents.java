package io.fieldline.dev.up;

import io.fieldline.app.service.Component;
import io.fieldline.app.service.ServiceComponents;
import io.fieldline.sink.Migrations;
import io.fieldline.sink.SinkConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The demo's storage set-up: schema migrations plus the demo fleet's metadata. */
final class SinkComponents {

    private SinkComponents() {}

    static SinkConfig config(UpContext context) {
        return new SinkConfig(context.configWithEndpoints());
    }

    /** Migrates the database and writes the demo fleet's metadata (which CDC then publishes). */
    static Component schema(UpContext context, List<DemoMetadata.DemoDevice> fleet) {
        SinkConfig config = config(context);
        Map<String, Object> summary = new LinkedHashMap<>();
        return ServiceComponents.of(
                "database",
                () -> {
                    summary.put(
                            "storage layout",
                            Migrations.apply(context.stack().postgres().dataSource(), config));
                    if (!fleet.isEmpty()) {
                        DemoMetadata.write(context.stack().postgres().dataSource(), fleet);
                        summary.put("demo devices", fleet.size());
                    }
                },
                () -> {},
                () -> summary);
    }
}
