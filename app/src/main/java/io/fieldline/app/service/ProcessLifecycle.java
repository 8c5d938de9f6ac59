package io.fieldline.app.service;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a long-running command ends. SIGTERM or Ctrl-C (SIGINT) releases {@link #awaitStop()}; the command then stops
 * its components, calls {@link #stopped()} and returns {@link #exitCode()}: 0, or the code of {@link #exit(int)} when
 * the supervisor gave up. A stop that takes longer than the timeout halts the process with exit code 1, so a wedged
 * close never keeps a process half alive.
 *
 * <p>The two signals are handled by this class instead of starting the JVM's shutdown at once: libraries register
 * shutdown hooks of their own (the embedded PostgreSQL and Redis of {@code fieldline up} stop their servers from one),
 * and the JVM runs every hook at the same time, so the servers would go away while the components still drain into
 * them. The JVM shuts down only after the clean stop, when the command returns. Where the signals cannot be handled
 * (a JVM started with {@code -Xrs}), a shutdown hook does the same as well as hooks can.
 */
public final class ProcessLifecycle {

    /** Exit code when the clean stop did not finish within the timeout. */
    public static final int EXIT_STOP_TIMEOUT = 1;

    private static final Logger LOG = LoggerFactory.getLogger(ProcessLifecycle.class);

    private final Duration timeout;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final Thread hook;
    private volatile int exitCode;
    private volatile Runnable onStopRequest = () -> {};

    private ProcessLifecycle(Duration timeout) {
        this.timeout = timeout;
        this.hook = new Thread(
                () -> {
                    if (stopped.getCount() == 0) {
                        // The command had already stopped and the JVM exits with its code (System.exit).
                        return;
                    }
                    requestStop("JVM shutdown");
                    awaitStoppedOrHalt();
                    // A signal's exit code would be 143 (SIGTERM) or 130 (Ctrl-C): a clean stop exits 0, or with
                    // the code of the failure that ended the process.
                    Runtime.getRuntime().halt(exitCode);
                },
                "fieldline-shutdown");
    }

    /** Handles SIGTERM and SIGINT and installs the shutdown hook for every other way the JVM may end. */
    public static ProcessLifecycle install(Duration timeout) {
        ProcessLifecycle lifecycle = new ProcessLifecycle(timeout);
        Runtime.getRuntime().addShutdownHook(lifecycle.hook);
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                handle(name, () -> lifecycle.onSignal("SIG" + name));
            } catch (ReflectiveOperationException | RuntimeException e) {
                Throwable cause = e instanceof InvocationTargetException ? e.getCause() : e;
                LOG.warn(
                        "Cannot handle SIG{} ({}): it starts the JVM's shutdown, whose hooks run beside the clean stop",
                        name,
                        cause.toString());
            }
        }
        return lifecycle;
    }

    /**
     * {@code sun.misc.Signal.handle(new Signal(name), handler)}, the JDK's supported way (module jdk.unsupported) to
     * handle a signal, called reflectively: javac warns about any compile-time use of it, which this build fails on.
     */
    private static void handle(String name, Runnable action) throws ReflectiveOperationException {
        Class<?> signalClass = Class.forName("sun.misc.Signal");
        Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
        Object handler = Proxy.newProxyInstance(
                ProcessLifecycle.class.getClassLoader(), new Class<?>[] {handlerClass}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "handle" -> {
                            action.run();
                            return null;
                        }
                        case "hashCode" -> {
                            return System.identityHashCode(proxy);
                        }
                        case "equals" -> {
                            return proxy == args[0];
                        }
                        case "toString" -> {
                            return "fieldline SIG" + name + " handler";
                        }
                        default -> throw new UnsupportedOperationException(method.getName());
                    }
                });
        Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
        handle.invoke(null, signalClass.getConstructor(String.class).newInstance(name), handler);
    }

    private void onSignal(String signal) {
        if (stopped.getCount() == 0) {
            return;
        }
        if (!requestStop(signal)) {
            LOG.info("{} while stopping: the stop goes on (it ends within {} ms)", signal, timeout.toMillis());
            return;
        }
        haltIfNotStoppedInTime();
    }

    /** Releases {@link #awaitStop()} and runs the stop action, once; false when a stop was already requested. */
    private boolean requestStop(String why) {
        if (!stopping.compareAndSet(false, true)) {
            return false;
        }
        LOG.info("Stopping ({})", why);
        stop.countDown();
        try {
            onStopRequest.run();
        } catch (RuntimeException e) {
            LOG.warn("Stopping the starts failed", e);
        }
        return true;
    }

    private void haltIfNotStoppedInTime() {
        Thread watchdog = new Thread(this::awaitStoppedOrHalt, "fieldline-stop-timeout");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private void awaitStoppedOrHalt() {
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

    /**
     * Asks for a clean stop after which the process ends with this code (from any thread): the command returns
     * {@link #exitCode()}.
     */
    public void exit(int code) {
        exitCode = code;
        if (requestStop("exit code " + code)) {
            haltIfNotStoppedInTime();
        }
    }

    /** The code the process ends with: 0 unless {@link #exit(int)} asked for another. */
    public int exitCode() {
        return exitCode;
    }
}
