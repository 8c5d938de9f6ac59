package io.fieldline.embedded;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a server process in a session of its own ({@code setsid}), out of this JVM's process group. Ctrl-C in a
 * terminal signals the whole foreground process group: a server in it (Redis, a Kafka node) would stop at once,
 * while {@code fieldline up} still drains its components into it. Out of the group, only the JVM gets the signal
 * and stops the servers after the components ({@code ProcessLifecycle}); {@link ParentDeathWatchdog} still stops them
 * should the JVM die. The process keeps its pid: {@code setsid} run by a process that leads no group calls
 * {@code setsid()} and executes the command in place. Where there is no {@code setsid} the command runs as given.
 */
final class OwnSession {

    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private OwnSession() {}

    static boolean available() {
        return Files.isExecutable(SETSID);
    }

    /** {@code command}, prefixed with {@code setsid} where it exists. */
    static List<String> command(List<String> command) {
        if (!available()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(command.size() + 1);
        wrapped.add(SETSID.toString());
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * An executable that runs {@code executable} in a session of its own with the arguments it is given: a shell
     * script in {@code dir} (owner-only), for launchers that take a program but no prefix. {@code executable} itself
     * where there is no {@code setsid}.
     */
    static File launcher(File executable, Path dir, String name) throws IOException {
        if (!available()) {
            return executable;
        }
        Files.createDirectories(dir);
        Path script = dir.resolve(name);
        Files.deleteIfExists(script);
        Files.createFile(script, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.writeString(
                script,
                "#!/bin/sh\nexec " + SETSID + " '"
                        + executable.getAbsolutePath().replace("'", "'\\''") + "' \"$@\"\n",
                StandardCharsets.UTF_8);
        return script.toFile();
    }
}
