package io.fieldline.embedded;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the server processes this JVM starts (PostgreSQL, Redis, Kafka node JVMs) die with it, even when it is
 * killed with SIGKILL and runs no shutdown hook. Java cannot ask the kernel for a parent-death signal
 * ({@code PR_SET_PDEATHSIG}), so a tiny {@code /bin/sh} watchdog does it: the JVM holds the only write end of
 * the watchdog's standard input and tells it, one line at a time, which processes to watch and which to
 * forget. When the JVM is gone, however it died, the kernel closes that pipe; the watchdog reads end of file,
 * sends each watched process its shutdown signal, waits up to ten seconds, SIGKILLs what is left and exits.
 * A clean stop forgets its process first, so the watchdog never signals a process id the system reused.
 *
 * <p>One watchdog per JVM, started on first use. Where there is no {@code /bin/sh} (Windows) it does nothing
 * and says so once.
 */
final class ParentDeathWatchdog {

    private static final Logger LOG = LoggerFactory.getLogger(ParentDeathWatchdog.class);
    private static final Path SHELL = Path.of("/bin/sh");

    /*
     * Lines: "watch <pid> <signal>" and "forget <pid>". Entries are kept as pid:signal. Signals to the JVM's
     * process group (Ctrl-C) are ignored: the watchdog must outlive the JVM to clean up after it.
     */
    private static final String SCRIPT = """
            trap '' INT TERM HUP QUIT
            watched=
            while IFS=' ' read -r command pid signal; do
              case "$command" in
                watch) watched="$watched $pid:$signal" ;;
                forget)
                  kept=
                  for entry in $watched; do
                    [ "${entry%%:*}" = "$pid" ] || kept="$kept $entry"
                  done
                  watched=$kept ;;
              esac
            done
            [ -z "$watched" ] && exit 0
            for entry in $watched; do
              kill -"${entry#*:}" "${entry%%:*}" 2>/dev/null
            done
            waited=0
            while [ "$waited" -lt 10 ]; do
              running=
              for entry in $watched; do
                pid=${entry%%:*}
                # A zombie waits only for its new parent to reap it: it is stopped.
                if kill -0 "$pid" 2>/dev/null && ! grep -q '^[^)]*) Z' "/proc/$pid/stat" 2>/dev/null; then
                  running=yes
                fi
              done
              [ -z "$running" ] && exit 0
              sleep 1
              waited=$((waited + 1))
            done
            for entry in $watched; do
              kill -KILL "${entry%%:*}" 2>/dev/null
            done
            """;

    private static ParentDeathWatchdog instance;
    private static boolean unavailable;

    private final Process process;
    private final Writer commands;

    private ParentDeathWatchdog(Process process) {
        this.process = process;
        this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
    }

    /** Has the process stopped with {@code signal} (TERM, INT, ...) should this JVM die first. */
    static void watch(long pid, String signal) {
        send("watch " + pid + " " + signal);
    }

    /** Stops watching the process (before it is stopped on purpose). */
    static void forget(long pid) {
        send("forget " + pid);
    }

    private static synchronized void send(String line) {
        ParentDeathWatchdog watchdog = running();
        if (watchdog == null) {
            return;
        }
        try {
            watchdog.commands.write(line + "\n");
            watchdog.commands.flush();
        } catch (IOException e) {
            // The watchdog died (someone killed it): start another one for the next server.
            LOG.warn(
                    "Server watchdog (pid {}) is gone; the servers it watched will outlive a killed JVM: {}",
                    watchdog.process.pid(),
                    e.toString());
            instance = null;
        }
    }

    private static ParentDeathWatchdog running() {
        if (instance != null && instance.process.isAlive()) {
            return instance;
        }
        if (unavailable) {
            return null;
        }
        if (!Files.isExecutable(SHELL)) {
            unavailable = true;
            LOG.warn("No {}: server processes started by this JVM will outlive it if it is killed", SHELL);
            return null;
        }
        try {
            Process process = new ProcessBuilder(SHELL.toString(), "-c", SCRIPT)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            instance = new ParentDeathWatchdog(process);
            LOG.debug("Server watchdog started as pid {}", process.pid());
            return instance;
        } catch (IOException e) {
            unavailable = true;
            LOG.warn(
                    "Cannot start the server watchdog; server processes will outlive this JVM if it is killed: {}",
                    e.toString());
            return null;
        }
    }
}
