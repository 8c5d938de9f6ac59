package io.fieldline.dev.up;

import io.fieldline.app.service.Component;
import io.fieldline.app.service.ServiceComponents;
import io.fieldline.core.device.DevicePasswords;
import io.fieldline.core.device.MosquittoPasswordHash;
import io.fieldline.embedded.MqttAccessControl;
import io.fieldline.sink.Migrations;
import io.fieldline.sink.SinkConfig;
import io.fieldline.sink.device.DeviceCredentials;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The demo's storage set-up: schema migrations plus the demo fleet's metadata. */
final class SinkComponents {

    private SinkComponents() {}

    private static void writeLogins(java.nio.file.Path file, Map<String, String> logins) throws java.io.IOException {
        StringBuilder text = new StringBuilder(
                "# Written by fieldline up: MQTT passwords of the simulated devices, for fieldline simulate mqtt.\n");
        new java.util.TreeMap<>(logins)
                .forEach((device, password) ->
                        text.append(device).append('=').append(password).append('\n'));
        java.nio.file.Files.deleteIfExists(file);
        java.nio.file.Files.createFile(
                file,
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        java.nio.file.Files.writeString(file, text, java.nio.charset.StandardCharsets.UTF_8);
    }

    static void issueLogins(UpContext context, SinkConfig config, List<String> deviceIds, Map<String, String> logins)
            throws java.sql.SQLException {
        DeviceCredentials store =
                new DeviceCredentials(context.stack().postgres().dataSource(), config.schema());
        for (String deviceId : deviceIds) {
            String password = DevicePasswords.generate();
            store.issue(deviceId, MosquittoPasswordHash.of(password));
            logins.put(deviceId, password);
        }
        MqttAccessControl access = MqttComponents.accessControl(context)
                .orElseThrow(() -> new IllegalStateException("the embedded MQTT broker does not authenticate"));
        if (!access.refresh()) {
            throw new IllegalStateException(
                    "the embedded MQTT broker could not read the device credentials just issued (see the log)");
        }
    }

    static SinkConfig config(UpContext context) {
        return io.fieldline.app.service.ServiceComponents.sinkConfig(context.service());
    }

    /** Migrates the database and writes the demo fleet's metadata (which CDC then publishes). */
    static Component schema(UpContext context, List<DemoMetadata.DemoDevice> fleet) {
        return schema(context, fleet, List.of(), new java.util.HashMap<>());
    }

    /**
     * Migrates the database, writes the demo fleet's metadata, and issues an MQTT password to each of
     * {@code loginIds} (into {@code logins}, device id to password, for the simulator), which the embedded broker
     * accepts before this step ends.
     */
    static Component schema(
            UpContext context, List<DemoMetadata.DemoDevice> fleet, List<String> loginIds, Map<String, String> logins) {
        return schema(context, fleet, loginIds, logins, null);
    }

    /**
     * As {@link #schema(UpContext, List, List, Map)}, and writes the issued passwords to {@code loginsFile} (mode
     * 0600, {@code device=password} lines) for a simulator run as its own process ({@code fieldline simulate mqtt}).
     */
    static Component schema(
            UpContext context,
            List<DemoMetadata.DemoDevice> fleet,
            List<String> loginIds,
            Map<String, String> logins,
            java.nio.file.Path loginsFile) {
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
                    if (!loginIds.isEmpty()) {
                        issueLogins(context, config, loginIds, logins);
                        summary.put("device MQTT credentials issued", loginIds.size());
                        if (loginsFile != null) {
                            writeLogins(loginsFile, logins);
                            summary.put("device MQTT credentials file", loginsFile.toString());
                        }
                    }
                },
                () -> {},
                () -> summary);
    }
}
