package io.fieldline.bridge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class BackPressureTest {

    private final AtomicInteger inFlight = new AtomicInteger();
    private final BackPressure backPressure = new BackPressure("bridge-1", 4000, inFlight::get);
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(BackPressure.class);

    @BeforeEach
    void attach() {
        log.start();
        logger.addAppender(log);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(log);
    }

    @Test
    void shouldWarnOnceWhenTheWindowStaysFullAndGiveTheAllClearWhenItEmpties() {
        long t = 0;
        inFlight.set(3990);
        backPressure.check(t);
        assertThat(backPressure.saturated()).isTrue();
        backPressure.check(t + TimeUnit.SECONDS.toNanos(9));
        assertThat(log.list)
                .as("a full window for 9 s is a burst, not back-pressure")
                .isEmpty();

        backPressure.check(t + TimeUnit.SECONDS.toNanos(10));
        backPressure.check(t + TimeUnit.SECONDS.toNanos(20));
        assertThat(log.list).hasSize(1);
        assertThat(log.list.get(0).getLevel().toString()).isEqualTo("WARN");
        assertThat(log.list.get(0).getFormattedMessage())
                .contains("back-pressure")
                .contains("3990 of 4000");

        inFlight.set(2500);
        backPressure.check(t + TimeUnit.SECONDS.toNanos(21));
        assertThat(backPressure.saturated())
                .as("between half and full: unchanged")
                .isTrue();
        assertThat(log.list).hasSize(1);

        inFlight.set(100);
        backPressure.check(t + TimeUnit.SECONDS.toNanos(22));
        assertThat(backPressure.saturated()).isFalse();
        assertThat(log.list).hasSize(2);
        assertThat(log.list.get(1).getFormattedMessage()).contains("back-pressure over");
    }

    @Test
    void shouldRestartTheClockWhenTheWindowEmptiesBeforeTheWarning() {
        inFlight.set(4000);
        backPressure.check(0);
        inFlight.set(10);
        backPressure.check(TimeUnit.SECONDS.toNanos(5));
        inFlight.set(4000);
        backPressure.check(TimeUnit.SECONDS.toNanos(6));
        backPressure.check(TimeUnit.SECONDS.toNanos(14));
        assertThat(log.list).as("full 0-5 s and 6-14 s: never 10 s in a row").isEmpty();
        backPressure.check(TimeUnit.SECONDS.toNanos(16));
        assertThat(log.list).hasSize(1);
    }
}
