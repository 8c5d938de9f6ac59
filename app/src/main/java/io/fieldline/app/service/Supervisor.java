package io.fieldline.app.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the components of a process, watches them, and replaces one that fails (a bridge {@code FAILED}, the CDC
 * engine stopped, a Streams application in {@code ERROR}, a sink worker that gave up, a failed start) with a new
 * instance after a backoff that doubles on each failure in a row. After {@link ServiceConfig#SUPERVISION_MAX_FAILURES}
 * failures in a row the process exits with {@link #EXIT_GAVE_UP}, so that systemd or Kubernetes restarts it. While
 * a component is being restarted it is reported {@link Status#DOWN}. A failure while a server the component needs is
 * down (PostgreSQL for the CDC engine) is restarted with the same backoff but does not count towards the exit: a new
 * process would not fix the server.
 */
public final class Supervisor implements AutoCloseable {

    /** Exit code of a process whose supervisor gave up on a component. */
    public static final int EXIT_GAVE_UP = 3;

    private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);

    /**
     * A component to run: its name and how to build a fresh instance.
     *
     * @param name    the component's name
     * @param factory builds a new, unstarted instance
     */
    public record Spec(String name, Supplier<Component> factory, Set<String> dependencies) {
        public Spec {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(factory, "factory");
            dependencies = Set.copyOf(dependencies);
        }

        /** A component that depends on no server the process checks. */
        public Spec(String name, Supplier<Component> factory) {
            this(name, factory, Set.of());
        }
    }

    /** Where a component is in its life. */
    public enum Phase {
        STARTING,
        RUNNING,
        RESTARTING,
        STOPPED
    }

    /** A component's state as health reports it. */
    public record ComponentState(String name, Phase phase, Health health, int failures, int restarts) {}

    private final ServiceConfig config;
    private final MeterRegistry meters;
    private final IntConsumer exit;
    private final LongSupplier clock;
    private final List<Slot> slots = new ArrayList<>();
    private volatile Predicate<Set<String>> serverDown = dependencies -> false;
    private final ScheduledExecutorService loop;
    private volatile long heartbeat;
    private volatile long busySince;
    private volatile boolean stopping;
    private volatile boolean gaveUp;
    private volatile Thread starting;

    /**
     * @param exit called with {@link #EXIT_GAVE_UP} when a component failed too often in a row; the process's
     *             own exit in production, a recorder in tests
     */
    public Supervisor(ServiceConfig config, MeterRegistry meters, IntConsumer exit) {
        this(config, meters, exit, System::nanoTime);
    }

    Supervisor(ServiceConfig config, MeterRegistry meters, IntConsumer exit, LongSupplier nanoClock) {
        this.config = Objects.requireNonNull(config, "config");
        this.meters = Objects.requireNonNull(meters, "meters");
        this.exit = Objects.requireNonNull(exit, "exit");
        this.clock = nanoClock;
        this.heartbeat = nanoClock.getAsLong();
        this.loop = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "fieldline-supervisor");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** How to tell whether one of a component's servers is down now (its failures are then not counted). */
    public void serverDown(Predicate<Set<String>> test) {
        this.serverDown = Objects.requireNonNull(test, "test");
    }

    /**
     * Starts the components in order, on the calling thread, then watches them. A component that fails to start is
     * handled like one that failed later: restarted after a backoff, while the others start.
     */
    public void start(List<Spec> specs) {
        for (Spec spec : specs) {
            if (stopping) {
                return;
            }
            Slot slot = new Slot(spec);
            synchronized (slots) {
                slots.add(slot);
            }
            attemptStart(slot, true);
        }
        if (stopping) {
            return;
        }
        long interval = config.getLong(ServiceConfig.SUPERVISION_CHECK_INTERVAL_MS);
        loop.scheduleWithFixedDelay(this::check, interval, interval, TimeUnit.MILLISECONDS);
    }

    /** The components, in start order. */
    public List<ComponentState> states() {
        List<ComponentState> states = new ArrayList<>();
        for (Slot slot : snapshot()) {
            states.add(new ComponentState(slot.spec.name(), slot.phase, slot.health, slot.failures, slot.restarts));
        }
        return states;
    }

    /** The running instances, in start order (for summaries, the in-flight and group lookups). */
    public List<Component> running() {
        List<Component> running = new ArrayList<>();
        for (Slot slot : snapshot()) {
            Component component = slot.current;
            if (component != null && slot.phase == Phase.RUNNING) {
                running.add(component);
            }
        }
        return running;
    }

    /** Whether every component has started and is running now. */
    public boolean ready() {
        List<Slot> all = snapshot();
        return !all.isEmpty() && all.stream().allMatch(slot -> slot.phase == Phase.RUNNING);
    }

    /**
     * Whether the supervisor still does its rounds: not stuck in one component's start or stop for longer than
     * {@code limit}, and not given up.
     */
    public boolean live(Duration limit) {
        if (gaveUp) {
            return false;
        }
        long now = clock.getAsLong();
        long busy = busySince;
        if (busy != 0 && now - busy > limit.toNanos()) {
            return false;
        }
        long interval = TimeUnit.MILLISECONDS.toNanos(config.getLong(ServiceConfig.SUPERVISION_CHECK_INTERVAL_MS));
        return busy != 0 || now - heartbeat <= Math.max(limit.toNanos(), 10 * interval);
    }

    private List<Slot> snapshot() {
        synchronized (slots) {
            return new ArrayList<>(slots);
        }
    }

    private void check() {
        heartbeat = clock.getAsLong();
        for (Slot slot : snapshot()) {
            if (stopping) {
                return;
            }
            try {
                checkOne(slot);
            } catch (RuntimeException | LinkageError | java.util.ServiceConfigurationError e) {
                // Never let one round's error end the scheduled loop: supervision would stop unseen.
                LOG.error("Supervising {} failed", slot.spec.name(), e);
            }
        }
        heartbeat = clock.getAsLong();
    }

    private void checkOne(Slot slot) {
        long now = clock.getAsLong();
        if (slot.phase == Phase.RUNNING) {
            Health health;
            try {
                health = slot.current.health();
            } catch (RuntimeException e) {
                health = Health.failed("health check threw " + e);
            }
            slot.health = health;
            if (health.failed()) {
                fail(slot, health.detail(), null);
            } else if (slot.attempts > 0
                    && now - slot.startedAt
                            >= TimeUnit.MILLISECONDS.toNanos(config.getLong(ServiceConfig.SUPERVISION_STABLE_MS))) {
                LOG.info("{} has run steadily since its restart; its failure count is reset", slot.spec.name());
                slot.failures = 0;
                slot.attempts = 0;
            }
        } else if (slot.phase == Phase.RESTARTING && now - slot.restartAt >= 0) {
            slot.restarts++;
            slot.restartCounter.increment();
            attemptStart(slot, false);
        }
    }

    /**
     * @param initial whether this is the first start, where a configuration error ends the start instead of being
     *                retried: invalid configuration fails fast, naming the key
     */
    private void attemptStart(Slot slot, boolean initial) {
        slot.phase = Phase.STARTING;
        slot.health = Health.down("starting");
        Component component;
        busySince = clock.getAsLong();
        starting = Thread.currentThread();
        try {
            component = slot.spec.factory().get();
            slot.current = component;
            LOG.info("Starting {}", slot.spec.name());
            component.start();
            if (stopping) {
                // Stopped while it started: close it here (closeAll waits for this start to end).
                closeQuietly(slot.spec.name(), take(slot));
                slot.phase = Phase.STOPPED;
                return;
            }
            slot.startedAt = clock.getAsLong();
            slot.phase = Phase.RUNNING;
            slot.health = component.health();
            LOG.info("{} is running", slot.spec.name());
        } catch (ConfigException e) {
            if (initial) {
                closeQuietly(slot.spec.name(), slot.current);
                slot.current = null;
                slot.phase = Phase.STOPPED;
                throw e;
            }
            fail(slot, "start failed: " + e.getMessage(), e);
        } catch (Exception | LinkageError | java.util.ServiceConfigurationError e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            fail(slot, "start failed: " + e.getMessage(), e instanceof Exception ex ? ex : new RuntimeException(e));
        } finally {
            busySince = 0;
            starting = null;
            // An abort's interrupt is meant for the start only.
            if (stopping) {
                Thread.interrupted();
            }
        }
    }

    /**
     * Stops the starts: a stop request (SIGTERM) while a component is still starting (a bridge retrying its first
     * connection) interrupts that start, so the stop does not wait for it to give up by itself.
     */
    public void abortStart() {
        stopping = true;
        Thread thread = starting;
        if (thread != null) {
            LOG.info("Stop requested while a component is starting: interrupting its start");
            thread.interrupt();
        }
    }

    private void fail(Slot slot, String reason, Exception cause) {
        if (stopping) {
            return;
        }
        Component failed = take(slot);
        slot.attempts++;
        boolean excused = serverDown.test(slot.spec.dependencies());
        if (excused) {
            reason = reason + " (a server it needs is down: not counted)";
        } else {
            slot.failures++;
        }
        int max = config.getInt(ServiceConfig.SUPERVISION_MAX_FAILURES);
        if (cause != null) {
            LOG.error("{} failed ({} of {} in a row): {}", slot.spec.name(), slot.failures, max, reason, cause);
        } else {
            LOG.error("{} failed ({} of {} in a row): {}", slot.spec.name(), slot.failures, max, reason);
        }
        if (failed != null) {
            busySince = clock.getAsLong();
            try {
                failed.close();
            } catch (RuntimeException e) {
                LOG.warn("Closing the failed {} threw", slot.spec.name(), e);
            } finally {
                busySince = 0;
            }
        }
        if (slot.failures >= max) {
            slot.phase = Phase.STOPPED;
            slot.health = Health.failed(reason + "; gave up after " + slot.failures + " failures in a row");
            gaveUp = true;
            LOG.error(
                    "{} failed {} times in a row: giving up, the process exits with code {}",
                    slot.spec.name(),
                    slot.failures,
                    EXIT_GAVE_UP);
            exit.accept(EXIT_GAVE_UP);
            return;
        }
        long backoff = backoffMillis(slot.attempts);
        slot.restartAt = clock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(backoff);
        slot.phase = Phase.RESTARTING;
        slot.health = Health.failed(reason + "; restarting in " + backoff + " ms");
    }

    long backoffMillis(int failures) {
        long initial = config.getLong(ServiceConfig.SUPERVISION_BACKOFF_INITIAL_MS);
        long max = config.getLong(ServiceConfig.SUPERVISION_BACKOFF_MAX_MS);
        long backoff = initial;
        for (int i = 1; i < failures && backoff < max; i++) {
            backoff *= 2;
        }
        return Math.min(backoff, max);
    }

    /** Closes every component, taking no summary. */
    public void closeAll() {
        closeAll(false);
    }

    /**
     * Closes every component in reverse start order.
     *
     * @param summaries whether to take each one's closing summary (before or after its close); a summary may query
     *                  a store, so a service stopping within its shutdown budget takes none
     * @return the summaries, in start order (empty when not asked for)
     */
    public Map<String, Map<String, Object>> closeAll(boolean summaries) {
        stopping = true;
        loop.shutdownNow();
        try {
            // The loop may be inside a start or a close; it notices the stop at its next step.
            if (!loop.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("The supervisor is still busy in a start or a stop; closing the components anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // A start under way (interrupted by abortStart) closes its own component when it returns.
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (starting != null && System.nanoTime() < waitUntil) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        List<Slot> all = snapshot();
        Collections.reverse(all);
        Map<String, Map<String, Object>> taken = new LinkedHashMap<>();
        for (Slot slot : all) {
            Component component = take(slot);
            slot.phase = Phase.STOPPED;
            slot.health = Health.down("stopped");
            if (component == null) {
                continue;
            }
            if (!summaries) {
                closeQuietly(slot.spec.name(), component);
            } else if (component.summarizedAfterClose()) {
                closeQuietly(slot.spec.name(), component);
                taken.put(slot.spec.name(), summaryOf(slot.spec.name(), component));
            } else {
                taken.put(slot.spec.name(), summaryOf(slot.spec.name(), component));
                closeQuietly(slot.spec.name(), component);
            }
        }
        Map<String, Map<String, Object>> ordered = new LinkedHashMap<>();
        for (Slot slot : snapshot()) {
            if (taken.containsKey(slot.spec.name())) {
                ordered.put(slot.spec.name(), taken.get(slot.spec.name()));
            }
        }
        return ordered;
    }

    @Override
    public void close() {
        closeAll(false);
    }

    /** The slot's instance, which from now on belongs to the caller alone (so it is closed once). */
    private static Component take(Slot slot) {
        synchronized (slot) {
            Component component = slot.current;
            slot.current = null;
            return component;
        }
    }

    private static Map<String, Object> summaryOf(String name, Component component) {
        try {
            return new LinkedHashMap<>(component.summary());
        } catch (RuntimeException e) {
            LOG.warn("No summary from {}: {}", name, e.toString());
            return Map.of();
        }
    }

    private static void closeQuietly(String name, Component component) {
        if (component == null) {
            return;
        }
        LOG.info("Stopping {}", name);
        try {
            component.close();
        } catch (RuntimeException e) {
            LOG.warn("Stopping {} failed: {}", name, e.toString(), e);
        }
    }

    private final class Slot {
        final Spec spec;
        final Counter restartCounter;
        volatile Component current;
        volatile Phase phase = Phase.STARTING;
        volatile Health health = Health.down("not started");
        volatile int failures;
        volatile int attempts;
        volatile int restarts;
        volatile long startedAt;
        volatile long restartAt;

        Slot(Spec spec) {
            this.spec = spec;
            this.restartCounter = Counter.builder("fieldline.component.restarts")
                    .description("Restarts of a failed component by the supervisor")
                    .tag("component", spec.name())
                    .register(meters);
            Gauge.builder(
                            "fieldline.component.up",
                            this,
                            slot -> slot.phase == Phase.RUNNING && slot.health.status() != Status.DOWN ? 1 : 0)
                    .description("1 while the component runs and is not DOWN, else 0")
                    .tag("component", spec.name())
                    .register(meters);
        }
    }
}
