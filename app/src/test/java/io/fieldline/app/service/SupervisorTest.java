package io.fieldline.app.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SupervisorTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<Integer> exits = new CopyOnWriteArrayList<>();
    private Supervisor supervisor;

    @AfterEach
    void close() {
        if (supervisor != null) {
            supervisor.close();
        }
    }

    private Supervisor supervisor(int maxFailures) {
        supervisor = new Supervisor(
                new ServiceConfig(Map.of(
                        ServiceConfig.SUPERVISION_CHECK_INTERVAL_MS, "50",
                        ServiceConfig.SUPERVISION_BACKOFF_INITIAL_MS, "100",
                        ServiceConfig.SUPERVISION_BACKOFF_MAX_MS, "400",
                        ServiceConfig.SUPERVISION_MAX_FAILURES, Integer.toString(maxFailures),
                        ServiceConfig.SUPERVISION_STABLE_MS, "60000")),
                meters,
                exits::add);
        return supervisor;
    }

    /** A component whose instances can be made to fail, counting what happened to them. */
    private static final class Flaky {
        final AtomicInteger created = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        final AtomicInteger startFailures = new AtomicInteger();
        final AtomicBoolean broken = new AtomicBoolean();
        volatile Instance current;

        Component create() {
            created.incrementAndGet();
            current = new Instance();
            return current;
        }

        final class Instance implements Component {
            final AtomicBoolean failed = new AtomicBoolean();

            @Override
            public String name() {
                return "flaky";
            }

            @Override
            public void start() {
                if (broken.get()) {
                    startFailures.incrementAndGet();
                    throw new IllegalStateException("cannot start");
                }
            }

            @Override
            public Health health() {
                return failed.get() ? Health.failed("worker died") : Health.up("fine");
            }

            @Override
            public void close() {
                closed.incrementAndGet();
            }
        }
    }

    @Test
    void shouldRestartAFailedComponentAndReportItDownUntilItRunsAgain() {
        Flaky flaky = new Flaky();
        Supervisor supervisor = supervisor(5);
        supervisor.start(List.of(new Supervisor.Spec("flaky", flaky::create)));
        assertThat(supervisor.ready()).isTrue();
        assertThat(HealthReport.status(supervisor.states().get(0))).isEqualTo(Status.UP);

        // Broken for its next start too: the failure is seen, the instance closed, DOWN while restarting.
        flaky.broken.set(true);
        Flaky.Instance first = flaky.current;
        first.failed.set(true);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> supervisor.states().get(0).health().detail().contains("start failed"));
        assertThat(flaky.closed.get()).isGreaterThanOrEqualTo(1);
        Supervisor.ComponentState state = supervisor.states().get(0);
        assertThat(HealthReport.status(state)).isEqualTo(Status.DOWN);
        assertThat(supervisor.ready()).isFalse();
        assertThat(state.health().detail()).contains("start failed: cannot start");
        assertThat(meters.get("fieldline.component.up").gauge().value()).isZero();

        // Fixed: the next restart succeeds, with a new instance, and health follows.
        flaky.broken.set(false);
        await().atMost(Duration.ofSeconds(5)).until(supervisor::ready);
        assertThat(flaky.current).isNotSameAs(first);
        assertThat(HealthReport.status(supervisor.states().get(0))).isEqualTo(Status.UP);
        assertThat(supervisor.states().get(0).restarts()).isGreaterThanOrEqualTo(2);
        assertThat(meters.get("fieldline.component.restarts").counter().count()).isGreaterThanOrEqualTo(2);
        assertThat(meters.get("fieldline.component.up").gauge().value()).isEqualTo(1);
        assertThat(exits).isEmpty();
    }

    @Test
    void shouldEndTheProcessAfterTheConfiguredFailuresInARow() {
        Flaky flaky = new Flaky();
        flaky.broken.set(true);
        Supervisor supervisor = supervisor(3);
        supervisor.start(List.of(new Supervisor.Spec("flaky", flaky::create)));
        await().atMost(Duration.ofSeconds(10)).until(() -> !exits.isEmpty());
        assertThat(exits).containsExactly(Supervisor.EXIT_GAVE_UP);
        assertThat(flaky.startFailures.get()).isEqualTo(3);
        assertThat(supervisor.states().get(0).phase()).isEqualTo(Supervisor.Phase.STOPPED);
        assertThat(supervisor.live(Duration.ofMinutes(1))).isFalse();
        // No further restarts once it gave up.
        await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2)).until(() -> flaky.created.get() == 3);
    }

    @Test
    void shouldNotCountFailuresWhileAServerTheComponentNeedsIsDown() {
        Flaky flaky = new Flaky();
        flaky.broken.set(true);
        AtomicBoolean postgresDown = new AtomicBoolean(true);
        Supervisor supervisor = supervisor(2);
        supervisor.serverDown(names -> names.contains(Dependencies.POSTGRESQL) && postgresDown.get());
        supervisor.start(List.of(new Supervisor.Spec("flaky", flaky::create, Set.of(Dependencies.POSTGRESQL))));
        await().atMost(Duration.ofSeconds(10)).until(() -> flaky.startFailures.get() >= 4);
        assertThat(exits).isEmpty();
        assertThat(supervisor.states().get(0).failures()).isZero();

        postgresDown.set(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> !exits.isEmpty());
        assertThat(exits).containsExactly(Supervisor.EXIT_GAVE_UP);
    }

    @Test
    void shouldFailFastOnAConfigurationErrorAtTheFirstStart() {
        Supervisor supervisor = supervisor(5);
        assertThatThrownBy(() -> supervisor.start(List.of(new Supervisor.Spec("bad", () -> {
                    throw new ConfigException("sink.postgres.url", "x", "not a JDBC URL");
                }))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sink.postgres.url");
        assertThat(exits).isEmpty();
    }

    @Test
    void shouldCloseAComponentWhoseStartEndsAfterTheStop() throws Exception {
        java.util.concurrent.CountDownLatch starting = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger closed = new AtomicInteger();
        Supervisor supervisor = supervisor(5);
        Thread main = new Thread(() -> supervisor.start(List.of(new Supervisor.Spec("slow", () -> new Component() {
            @Override
            public String name() {
                return "slow";
            }

            @Override
            public void start() throws InterruptedException {
                starting.countDown();
                // A start that ignores the interrupt (a client library that swallows it) and returns late.
                while (true) {
                    try {
                        release.await();
                        return;
                    } catch (InterruptedException e) {
                        // keeps waiting
                    }
                }
            }

            @Override
            public void close() {
                closed.incrementAndGet();
            }
        }))));
        main.start();
        starting.await();
        supervisor.abortStart();
        Thread closer = new Thread(supervisor::closeAll);
        closer.start();
        Thread.sleep(200);
        release.countDown();
        main.join(5_000);
        closer.join(10_000);
        assertThat(closed.get())
                .as("the component that finished starting after the stop is closed")
                .isEqualTo(1);
        assertThat(supervisor.states().get(0).phase()).isEqualTo(Supervisor.Phase.STOPPED);
    }

    @Test
    void shouldDoubleTheBackoffUpToItsMaximum() {
        Supervisor supervisor = supervisor(5);
        assertThat(supervisor.backoffMillis(1)).isEqualTo(100);
        assertThat(supervisor.backoffMillis(2)).isEqualTo(200);
        assertThat(supervisor.backoffMillis(3)).isEqualTo(400);
        assertThat(supervisor.backoffMillis(9)).isEqualTo(400);
    }
}
