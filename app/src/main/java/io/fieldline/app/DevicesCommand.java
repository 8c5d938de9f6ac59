package io.fieldline.app;

import io.fieldline.core.device.DevicePasswords;
import io.fieldline.core.device.DeviceTopics;
import io.fieldline.core.device.MosquittoPasswordHash;
import io.fieldline.sink.device.DeviceCredentials;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fieldline devices ...}: the devices' MQTT credentials, kept in PostgreSQL ({@code device_credential}) as
 * Mosquitto-compatible hashes. The database is the one of {@code sink.postgres.*} (configuration file, environment,
 * {@code --set}), else the one of a running {@code fieldline up} ({@code .fieldline/endpoints.env}).
 */
@Command(
        name = "devices",
        mixinStandardHelpOptions = true,
        description = "Register devices and manage their MQTT credentials (docs/security.md).",
        subcommands = {
            DevicesCommand.Add.class,
            DevicesCommand.Credentials.class,
            DevicesCommand.Revoke.class,
            DevicesCommand.ExportMosquitto.class
        })
public final class DevicesCommand {

    /** PostgreSQL's SQLSTATE for a missing table: the migrations have not run there. */
    private static final String UNDEFINED_TABLE = "42P01";

    static IllegalStateException explain(SQLException e) {
        if (UNDEFINED_TABLE.equals(e.getSQLState())) {
            return new IllegalStateException(
                    "the Fieldline tables are not in this database: start the PostgreSQL sink once (it applies the "
                            + "migrations), or fieldline up",
                    e);
        }
        return new IllegalStateException("database error", e);
    }

    @Command(
            name = "add",
            mixinStandardHelpOptions = true,
            description = "Register a device in the metadata (table device; CDC publishes it).")
    static final class Add implements Callable<Integer> {
        @Parameters(paramLabel = "DEVICE_ID", description = "The device id: its MQTT user name and topic segment.")
        String deviceId;

        @Option(names = "--site", paramLabel = "FACILITY", description = "Its facility (must exist).")
        String site;

        @Option(names = "--room", paramLabel = "ROOM", description = "Its room (must exist, in the facility).")
        String room;

        @Option(names = "--type", paramLabel = "TYPE", description = "Its type (free text).")
        String type;

        @Option(names = "--name", paramLabel = "NAME", description = "A display name.")
        String name;

        @Mixin
        DatabaseOptions database;

        @Override
        public Integer call() {
            DeviceCredentials credentials = database.open("fieldline-devices", DeviceCredentials::new);
            try {
                credentials.addDevice(new DeviceCredentials.NewDevice(deviceId, site, room, type, name));
            } catch (SQLException e) {
                throw explain(e);
            }
            System.out.println("Device " + deviceId + " added; give it MQTT credentials with: fieldline devices "
                    + "credentials " + deviceId);
            return 0;
        }
    }

    @Command(
            name = "credentials",
            mixinStandardHelpOptions = true,
            description = {
                "Issue a new MQTT password for a device (replacing, so rotating, any earlier one, and lifting a "
                        + "revocation) and print it once, alone on standard output.",
                "Only its hash is stored; the broker accepts it within seconds, and refuses the previous one."
            })
    static final class Credentials implements Callable<Integer> {
        @Parameters(paramLabel = "DEVICE_ID", description = "A registered device.")
        String deviceId;

        @Mixin
        DatabaseOptions database;

        @Override
        public Integer call() {
            DeviceTopics.requireValidDeviceId(deviceId);
            DeviceCredentials credentials = database.open("fieldline-devices", DeviceCredentials::new);
            String password = DevicePasswords.generate();
            boolean rotated;
            try {
                rotated = credentials.issue(deviceId, MosquittoPasswordHash.of(password));
            } catch (SQLException e) {
                throw explain(e);
            }
            // The password alone on standard output, so that a script can capture it; everything else on stderr.
            System.out.println(password);
            System.out.flush();
            System.err.println((rotated ? "New password for " : "Password for ") + deviceId
                    + " printed once on standard output; it is not stored and cannot be shown again"
                    + (rotated ? " (the previous one stops working within seconds)" : "") + ".");
            return 0;
        }
    }

    @Command(
            name = "revoke",
            mixinStandardHelpOptions = true,
            description = "Revoke a device's MQTT password: the broker refuses it within seconds (a new password from "
                    + "'devices credentials' lifts it).")
    static final class Revoke implements Callable<Integer> {
        @Parameters(paramLabel = "DEVICE_ID", description = "A device with credentials.")
        String deviceId;

        @Mixin
        DatabaseOptions database;

        @Override
        public Integer call() {
            DeviceCredentials credentials = database.open("fieldline-devices", DeviceCredentials::new);
            boolean revoked;
            try {
                revoked = credentials.revoke(deviceId);
            } catch (SQLException e) {
                throw explain(e);
            }
            System.out.println(
                    revoked ? "Device " + deviceId + " revoked" : "Device " + deviceId + " was revoked already");
            return 0;
        }
    }

    @Command(
            name = "export-mosquitto",
            mixinStandardHelpOptions = true,
            description = {
                "Write Mosquitto's password file (user:$7$... lines of every device whose credentials are not "
                        + "revoked) and the devices' ACL (pattern lines: each device publishes only on its own "
                        + "topics), both mode 0600.",
                "Service users (the bridge) are not in them: add them with mosquitto_passwd and a 'user' section "
                        + "(compose/mosquitto/assemble-auth.sh does)."
            })
    static final class ExportMosquitto implements Callable<Integer> {
        @Option(
                names = "--password-file",
                paramLabel = "FILE",
                required = true,
                description = "Password file to write.")
        Path passwordFile;

        @Option(names = "--acl-file", paramLabel = "FILE", required = true, description = "ACL file to write.")
        Path aclFile;

        @Mixin
        DatabaseOptions database;

        @Override
        public Integer call() throws IOException {
            DeviceCredentials credentials = database.open("fieldline-devices", DeviceCredentials::new);
            Map<String, String> hashes;
            try {
                hashes = credentials.activeHashes();
            } catch (SQLException e) {
                throw explain(e);
            }
            StringBuilder passwords = new StringBuilder();
            hashes.forEach((device, hash) -> {
                // Rows the database took through SQL are checked as the broker would: a bad one is left out.
                try {
                    DeviceTopics.requireValidDeviceId(device);
                    MosquittoPasswordHash.parse(hash);
                    passwords.append(device).append(':').append(hash).append('\n');
                } catch (IllegalArgumentException e) {
                    System.err.println("Skipped device " + device + ": " + e.getMessage());
                }
            });
            writeOwnerOnly(passwordFile, passwords.toString());
            writeOwnerOnly(aclFile, acl());
            PrintStream out = System.out;
            out.println("Wrote " + passwords.toString().lines().count() + " devices to " + passwordFile
                    + " and their topic rules to " + aclFile);
            return 0;
        }

        /** The device rules with Mosquitto's {@code %u} (the authenticated user name) in place of the device id. */
        static String acl() {
            String placeholder = "DEVICE";
            StringBuilder acl = new StringBuilder(
                    "# Written by fieldline devices export-mosquitto. Every user of the password file above is a\n"
                            + "# device: it publishes only under its own id, and subscribes only to its commands.\n");
            for (String filter : DeviceTopics.publishFilters(placeholder)) {
                acl.append("pattern write ")
                        .append(filter.replace(placeholder, "%u"))
                        .append('\n');
            }
            for (String filter : DeviceTopics.subscribeFilters(placeholder)) {
                acl.append("pattern read ")
                        .append(filter.replace(placeholder, "%u"))
                        .append('\n');
            }
            return acl.toString();
        }

        /** Written to a new 0600 file beside the target, then moved over it: never readable by others, never half. */
        private static void writeOwnerOnly(Path file, String content) throws IOException {
            Path absolute = file.toAbsolutePath();
            Files.createDirectories(absolute.getParent());
            Path temp = Files.createTempFile(
                    absolute.getParent(),
                    "." + absolute.getFileName(),
                    ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.writeString(temp, content, StandardCharsets.UTF_8);
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        }
    }
}
