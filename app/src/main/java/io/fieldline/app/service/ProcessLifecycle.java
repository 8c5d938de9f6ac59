package io.fieldline.app.service;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a long-running command ends. SIGTERM or Ctrl-C releases {@link #awaitStop()}; the command then stops its
 * components and calls {@link #stopped()}; the process exits 0, or with the code of {@link #exit(int)} when the
 * supervisor gave up. A stop that takes longer than the timeout halts the process with exit code 1, so a wedged
 * close never keeps a process half alive.
 */
public final class ProcessLifecycle {

    /** Exit code when the clean stop did not finish within the timeout. */
    public static final int EXIT_STOP_TIMEOUT = 1;

    private static final Logger LOG = LoggerFactory.getLogger(ProcessLifecycle.class);

    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread hook;
    private volatile int exitCode;
    private volatile Runnable onStopRequest = () -> {};

    private ProcessLifecycle(Duration timeout) {
        this.hook = new Thread(
                () -> {
                    if (stopped.getCount() == 0) {
                        // The command had already stopped and the JVM exits with its code (System.exit).
                        return;
                    }
                    stop.countDown();
                    try {
                        onStopRequest.run();
                    } catch (RuntimeException e) {
                        LOG.warn("Stopping the starts failed", e);
                    }
                    try {
                        if (!stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                            LOG.error(
                                    "The components did not stop within {} ms; halting with exit code {}",
                                    timeout.toMillis(),
                                    EXIT_STOP_TIMEOUT);
                            Runtime.getRuntime().halt(EXIT_STOP_TIMEOUT);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    // A signal's exit code would be 143 (SIGTERM) or 130 (Ctrl-C): a clean stop exits 0, or with
                    // the code of the failure that ended the process.
                    Runtime.getRuntime().halt(exitCode);
                },
                "fieldline-shutdown");
    }

    /** Installs the shutdown hook. */
    public static ProcessLifecycle install(Duration timeout) {
        ProcessLifecycle lifecycle = new ProcessLifecycle(timeout);
        Runtime.getRuntime().addShutdownHook(lifecycle.hook);
        return lifecycle;
    }

    /** What to do at once when a stop is requested, on the signal's thread: abort starts still under way. */
    public void onStopRequest(Runnable action) {
        this.onStopRequest = action;
        if (stopRequested()) {
            // The signal came before the action was known.
            action.run();
        }
    }

    /** Waits for SIGTERM, Ctrl-C or {@link #exit(int)}. */
    public void awaitStop() throws InterruptedException {
        stop.await();
    }

    /** Waits for a stop request at most this long; true when one came. */
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        return stop.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether a stop was requested. */
    public boolean stopRequested() {
        return stop.getCount() == 0;
    }

    /** Marks the clean stop done: the process may exit. */
    public void stopped() {
        stopped.countDown();
    }

    /** Ends the process with this code after a clean stop (from any thread). */
    public void exit(int code) {
        exitCode = code;
        Thread exiter = new Thread(() -> System.exit(code), "fieldline-exit");
        exiter.setDaemon(true);
        exiter.start();
    }
}
