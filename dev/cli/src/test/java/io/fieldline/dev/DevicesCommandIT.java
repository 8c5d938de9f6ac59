package io.fieldline.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fieldline.app.Main;
import io.fieldline.core.device.MosquittoPasswordHash;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.sink.Migrations;
import io.fieldline.sink.SinkConfig;
import io.fieldline.sink.device.DeviceCredentials;
import io.fieldline.testing.TestDatabases;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fieldline devices add | credentials | revoke | export-mosquitto} against a real PostgreSQL found through an
 * {@code endpoints.env} as {@code fieldline up} writes it; the exported password file is read by a real Mosquitto
 * where one is installed.
 */
@ExtendWith(EmbeddedStackExtension.class)
class DevicesCommandIT {

    private static final Path MOSQUITTO = Path.of("/usr/sbin/mosquitto");

    @TempDir
    Path dir;

    @Test
    void shouldIssueRotateRevokeAndExportDeviceCredentials(EmbeddedStack stack) throws Exception {
        TestDatabases.TestDatabase database = TestDatabases.create(stack.postgres());
        Map<String, Object> sink = new HashMap<>(database.properties("sink.postgres."));
        Migrations.apply(database.dataSource(), new SinkConfig(sink));
        Path endpoints = dir.resolve("endpoints.env");
        Files.writeString(
                endpoints,
                "JDBC_URL=" + database.jdbcUrl() + "\nJDBC_USER=" + database.user() + "\nJDBC_PASSWORD="
                        + database.password() + "\n");
        DeviceCredentials stored = new DeviceCredentials(database.dataSource(), "public");

        assertThat(run("add", "dev-x", "--type", "grow-room")).isZero();
        Run unknown = capture("credentials", "dev-unknown");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("no device dev-unknown");

        Run first = capture("credentials", "dev-x");
        assertThat(first.exit()).isZero();
        List<String> lines = first.out().lines().toList();
        assertThat(lines).as("the password alone on standard output").hasSize(1);
        String password = lines.get(0);
        assertThat(password).matches("[A-Za-z0-9_-]{32}");
        assertThat(first.err()).doesNotContain(password);
        assertThat(MosquittoPasswordHash.parse(stored.activeHashes().get("dev-x"))
                        .matches(password))
                .isTrue();

        Run second = capture("credentials", "dev-x");
        String rotated = second.out().strip();
        assertThat(rotated).isNotEqualTo(password);
        MosquittoPasswordHash now =
                MosquittoPasswordHash.parse(stored.activeHashes().get("dev-x"));
        assertThat(now.matches(rotated)).isTrue();
        assertThat(now.matches(password)).as("the rotated-out password").isFalse();

        Path passwd = dir.resolve("auth/devices.passwd");
        Path acl = dir.resolve("auth/devices.acl");
        assertThat(run("export-mosquitto", "--password-file", passwd.toString(), "--acl-file", acl.toString()))
                .isZero();
        for (Path file : List.of(passwd, acl)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                    .isEqualTo("rw-------");
        }
        assertThat(Files.readString(passwd)).startsWith("dev-x:$7$10000$").doesNotContain(rotated);
        assertThat(Files.readString(acl))
                .contains("pattern write sites/+/rooms/+/devices/%u/telemetry")
                .contains("pattern write spBv1.0/+/NDATA/%u")
                .contains("pattern read spBv1.0/+/NCMD/%u");
        acceptedByMosquitto(passwd, acl, "dev-x", rotated);

        assertThat(capture("revoke", "dev-x").out()).contains("revoked");
        assertThat(stored.activeHashes()).doesNotContainKey("dev-x");
        assertThat(run("export-mosquitto", "--password-file", passwd.toString(), "--acl-file", acl.toString()))
                .isZero();
        assertThat(Files.readString(passwd)).doesNotContain("dev-x");
    }

    /** Real Mosquitto, if installed, takes the exported hash (10,000 iterations) and refuses a wrong password. */
    private void acceptedByMosquitto(Path passwd, Path acl, String user, String password) throws Exception {
        assumeTrue(Files.isExecutable(MOSQUITTO), "mosquitto is not installed (apt-get install mosquitto)");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(
                conf,
                "listener " + port + " 127.0.0.1\nallow_anonymous false\npassword_file " + passwd + "\nacl_file " + acl
                        + "\npersistence false\n"
                        // Started as root, Mosquitto would drop to user mosquitto, who cannot read the 0600 files.
                        + "user " + System.getProperty("user.name") + "\n");
        Process mosquitto = new ProcessBuilder(MOSQUITTO.toString(), "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.log").toFile())
                .start();
        try {
            String url = "tcp://127.0.0.1:" + port;
            MqttClient client = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (client == null) {
                try {
                    client = connect(url, user, password);
                } catch (MqttException e) {
                    // Until Mosquitto listens; a refusal (134, 135) is an answer, not a wait.
                    if (e.getReasonCode() == 134 || e.getReasonCode() == 135 || System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
            client.disconnect();
            client.close();
            assertThatThrownBy(() -> connect(url, user, password + "x"))
                    .isInstanceOf(MqttException.class)
                    .extracting(e -> ((MqttException) e).getReasonCode())
                    .isIn(134, 135);
        } finally {
            mosquitto.destroy();
            mosquitto.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static MqttClient connect(String url, String user, String password) throws MqttException {
        MqttClient client = new MqttClient(url, user, new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName(user);
        options.setPassword(password.getBytes(StandardCharsets.UTF_8));
        options.setConnectionTimeout(5);
        try {
            client.connect(options);
            return client;
        } catch (MqttException e) {
            client.close();
            throw e;
        }
    }

    private record Run(int exit, String out, String err) {}

    private int run(String... args) {
        return capture(args).exit();
    }

    private synchronized Run capture(String... args) {
        String[] full = new String[args.length + 3];
        full[0] = "devices";
        System.arraycopy(args, 0, full, 1, args.length);
        full[args.length + 1] = "--endpoints";
        full[args.length + 2] = dir.resolve("endpoints.env").toString();
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
            var cli = Main.commandLine();
            cli.setErr(new java.io.PrintWriter(System.err, true));
            int exit = cli.execute(full);
            return new Run(exit, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
