package io.fieldline.dev.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.core.device.DeviceTopics;
import io.fieldline.core.device.MosquittoPasswordHash;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * compose/'s Mosquitto, run from Debian's {@code mosquitto} package with compose/mosquitto/mosquitto.conf and the
 * password file and ACL that compose/mosquitto/assemble-auth.sh assembles, from device files in the agreed format (the
 * devices' {@code $7$} PBKDF2-SHA512 hashes from {@link MosquittoPasswordHash}, the ACL patterns of
 * {@link DeviceTopics}, as {@code fieldline devices export-mosquitto} writes them) plus the bridge user:
 * anonymous clients and wrong passwords are refused; a device's messages on its own topics reach the bridge's shared
 * subscription, its messages on another device's topic do not; a rotated password applies after the reassembly and
 * a SIGHUP, without a restart. Skipped where Debian's mosquitto is not installed.
 */
class MosquittoAuthIT {

    private static final String BRIDGE = "fieldline-bridge";
    private static final String BRIDGE_PASSWORD = "bridge-secret";

    private Path dir;
    private Process broker;
    private int port;
    private final List<MqttClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Path mosquitto = DeploymentTools.require("mosquitto", "mosquitto");
        DeploymentTools.require("mosquitto_passwd", "mosquitto");
        // Readable by the mosquitto user, to which the broker drops root (as in the container).
        dir = Files.createTempDirectory("fieldline-mosquitto");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(dir.resolve("auth"));
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));
        writeDevices(Map.of("dev-a", "pw-a", "dev-b", "pw-b"));
        assemble();
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String conf = DeploymentFiles.read("mosquitto/mosquitto.conf")
                .replace("/mosquitto/run/", dir.resolve("run") + "/")
                .replace("/mosquitto/data/", data + "/")
                .replace("listener 1883", "listener " + port + " 127.0.0.1");
        assertThat(conf)
                .contains("allow_anonymous false")
                .contains("password_file")
                .contains("acl_file");
        Path confFile = dir.resolve("mosquitto.conf");
        Files.writeString(confFile, conf, StandardCharsets.UTF_8);
        broker = new ProcessBuilder(mosquitto.toString(), "-c", confFile.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.log").toFile())
                .start();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return s.isConnected();
            } catch (IOException e) {
                assertThat(broker.isAlive()).as(log()).isTrue();
                return false;
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        for (MqttClient client : clients) {
            try {
                if (client.isConnected()) {
                    client.disconnect(2000);
                }
                client.close(true);
            } catch (MqttException e) {
                // already gone
            }
        }
        if (broker != null) {
            broker.destroy();
            broker.waitFor();
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void shouldLetEachDevicePublishOnlyAsItselfAndTheBridgeReadEverything() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("run/passwd"))))
                .isEqualTo("rw-------");
        assertThat(Files.readString(dir.resolve("run/passwd")))
                .as("no password in clear")
                .doesNotContain("pw-a")
                .doesNotContain(BRIDGE_PASSWORD)
                .contains("dev-a:$7$");

        assertThat(refusal(null, null)).as("anonymous").isIn(134, 135);
        assertThat(refusal("dev-a", "pw-b")).as("a wrong password").isIn(134, 135);

        List<String> received = new CopyOnWriteArrayList<>();
        MqttClient bridge = connect(BRIDGE, BRIDGE_PASSWORD, received);
        // As the bridge subscribes (mqtt.shared.group fieldline; client-wide callback, see DESIGN's Paho pitfall).
        bridge.subscribe("$share/fieldline/sites/+/rooms/+/devices/+/telemetry", 1);
        bridge.subscribe("$share/fieldline/spBv1.0/+/+/#", 1);

        List<String> seenByB = new CopyOnWriteArrayList<>();
        MqttClient devB = connect("dev-b", "pw-b", seenByB);
        devB.subscribe("sites/#", 1);
        MqttClient devA = connect("dev-a", "pw-a", new CopyOnWriteArrayList<>());
        publish(devA, "sites/s1/rooms/r1/devices/dev-b/telemetry", "{\"co2\": 5000}");
        publish(devA, "spBv1.0/g1/NDATA/dev-b", "impostor");
        publish(devA, "sites/s1/rooms/r1/devices/dev-a/telemetry", "{\"co2\": 812}");
        publish(devA, "spBv1.0/g1/NDATA/dev-a", "sparkplug");
        publish(devB, "sites/s1/rooms/r1/devices/dev-b/telemetry", "{\"co2\": 640}");
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 3);
        Thread.sleep(500);
        assertThat(received)
                .containsExactlyInAnyOrder(
                        "sites/s1/rooms/r1/devices/dev-a/telemetry {\"co2\": 812}",
                        "spBv1.0/g1/NDATA/dev-a sparkplug",
                        "sites/s1/rooms/r1/devices/dev-b/telemetry {\"co2\": 640}");
        assertThat(seenByB)
                .as("a device reads no other device's telemetry, nor its own")
                .isEmpty();

        // compose's health check of Mosquitto subscribes to $SYS/broker/version as the bridge user: it may, a device
        // may not.
        assertThat(DeploymentFiles.read("docker-compose.yml"))
                .contains(
                        "mosquitto_sub -h localhost -p 1883 -u \\\"$$MQTT_BRIDGE_USER\\\" -P \\\"$$MQTT_BRIDGE_PASSWORD\\\""
                                + " -t '$$SYS/broker/version' -C 1");
        List<String> sys = new CopyOnWriteArrayList<>();
        connect(BRIDGE, BRIDGE_PASSWORD, sys).subscribe("$SYS/broker/version", 1);
        List<String> sysOfDevice = new CopyOnWriteArrayList<>();
        connect("dev-a", "pw-a", sysOfDevice).subscribe("$SYS/broker/version", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> sys.size() == 1);
        Thread.sleep(500);
        assertThat(sysOfDevice).isEmpty();
    }

    @Test
    void shouldApplyARotatedPasswordAfterReassemblyAndSighup() throws Exception {
        connect("dev-a", "pw-a", new CopyOnWriteArrayList<>());
        writeDevices(Map.of("dev-a", "pw-a-rotated", "dev-b", "pw-b"));
        assemble();
        new ProcessBuilder("kill", "-HUP", String.valueOf(broker.pid())).start().waitFor();
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(refusal("dev-a", "pw-a"))
                        .as("the old password")
                        .isIn(134, 135));
        List<String> received = new CopyOnWriteArrayList<>();
        MqttClient bridge = connect(BRIDGE, BRIDGE_PASSWORD, received);
        bridge.subscribe("$share/fieldline/sites/+/rooms/+/devices/+/telemetry", 1);
        publish(
                connect("dev-a", "pw-a-rotated", new CopyOnWriteArrayList<>()),
                "sites/s1/rooms/r1/devices/dev-a/telemetry",
                "{\"co2\": 700}");
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
    }

    @Test
    void shouldGiveTheSimulatorsDevicesTheirPasswordOnlyWhenOneIsSet() throws Exception {
        assertThat(Files.readString(dir.resolve("run/passwd"))).doesNotContain("sim-1:");
        assemble(Map.of("SIMULATOR_DEVICE_PASSWORD", "sim-secret", "SIMULATOR_DEVICES", "2"));
        new ProcessBuilder("kill", "-HUP", String.valueOf(broker.pid())).start().waitFor();
        List<String> received = new CopyOnWriteArrayList<>();
        MqttClient bridge = connect(BRIDGE, BRIDGE_PASSWORD, received);
        bridge.subscribe("$share/fieldline/sites/+/rooms/+/devices/+/telemetry", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try {
                publish(
                        connect("sim-2", "sim-secret", new CopyOnWriteArrayList<>()),
                        "sites/sim/rooms/sim-room-2/devices/sim-2/telemetry",
                        "{\"co2\": 900}");
                return true;
            } catch (MqttException e) {
                return false;
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
    }

    /** The devices' files as {@code fieldline devices export-mosquitto} writes them. */
    private void writeDevices(Map<String, String> passwords) throws IOException {
        String passwd = passwords.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + ":"
                        + MosquittoPasswordHash.of(e.getValue()).encoded())
                .collect(Collectors.joining("\n", "", "\n"));
        StringBuilder acl = new StringBuilder();
        // The filters of a device named "DEVICE", with Mosquitto's %u (the authenticated user name) in its place.
        for (String filter : DeviceTopics.publishFilters("DEVICE")) {
            acl.append("pattern write ").append(filter.replace("DEVICE", "%u")).append('\n');
        }
        for (String filter : DeviceTopics.subscribeFilters("DEVICE")) {
            acl.append("pattern read ").append(filter.replace("DEVICE", "%u")).append('\n');
        }
        Files.writeString(dir.resolve("auth/devices.passwd"), passwd, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("auth/devices.acl"), acl, StandardCharsets.UTF_8);
    }

    private void assemble() throws Exception {
        assemble(Map.of());
    }

    private void assemble(Map<String, String> extra) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                        "sh", DeploymentFiles.file("mosquitto/assemble-auth.sh").toString())
                .redirectErrorStream(true);
        builder.environment().put("AUTH_DIR", dir.resolve("auth").toString());
        builder.environment().put("RUN_DIR", dir.resolve("run").toString());
        builder.environment().put("MQTT_BRIDGE_USER", BRIDGE);
        builder.environment().put("MQTT_BRIDGE_PASSWORD", BRIDGE_PASSWORD);
        builder.environment().putAll(extra);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isZero();
        assertThat(output).doesNotContain(BRIDGE_PASSWORD).contains("users in");
    }

    private MqttClient connect(String user, String password, List<String> received) throws MqttException {
        MqttClient client = new MqttClient(
                "tcp://127.0.0.1:" + port,
                (user == null ? "anon" : user) + "-" + System.nanoTime(),
                new MemoryPersistence());
        clients.add(client);
        client.setCallback(new MqttCallback() {
            @Override
            public void disconnected(MqttDisconnectResponse response) {}

            @Override
            public void mqttErrorOccurred(MqttException exception) {}

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                received.add(topic + " " + new String(message.getPayload(), StandardCharsets.UTF_8));
            }

            @Override
            public void deliveryComplete(IMqttToken token) {}

            @Override
            public void connectComplete(boolean reconnect, String serverURI) {}

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {}
        });
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setConnectionTimeout(5);
        if (user != null) {
            options.setUserName(user);
            options.setPassword(password.getBytes(StandardCharsets.UTF_8));
        }
        client.connect(options);
        return client;
    }

    /** The CONNACK reason code of a refused connection (134 bad user name or password, 135 not authorized). */
    private int refusal(String user, String password) {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(
                () -> connect(user, password, new CopyOnWriteArrayList<>()));
        assertThat(thrown).as("the connection of %s is refused", user).isInstanceOf(MqttException.class);
        return ((MqttException) thrown).getReasonCode();
    }

    private static void publish(MqttClient client, String topic, String payload) throws MqttException {
        try {
            client.publish(topic, payload.getBytes(StandardCharsets.UTF_8), 1, false);
        } catch (MqttException e) {
            // Mosquitto answers a denied QoS 1 publish with PUBACK 135 (not authorized): what must not arrive
            // is checked at the subscriber.
            if (e.getReasonCode() != 135) {
                throw e;
            }
        }
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("mosquitto.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
