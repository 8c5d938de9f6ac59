package io.fieldline.bridge.mqtt.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.bridge.mqtt.internal.InFlightWindow.Ticket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class InFlightWindowTest {

    private final List<Integer> acked = new ArrayList<>();
    private final AtomicBoolean connected = new AtomicBoolean(true);
    private final InFlightWindow window = new InFlightWindow((id, qos) -> acked.add(id), connected::get);

    @Test
    void shouldAcknowledgeInArrivalOrderWhateverOrderKafkaCompletesIn() {
        Ticket first = window.register(1, 1);
        Ticket second = window.register(2, 1);
        Ticket third = window.register(3, 1);

        window.complete(third);
        window.complete(second);
        assertThat(acked).isEmpty();
        assertThat(window.size()).isEqualTo(3);

        window.complete(first);
        assertThat(acked).containsExactly(1, 2, 3);
        assertThat(window.size()).isZero();
        assertThat(window.acknowledged()).isEqualTo(3);
    }

    @Test
    void shouldNotAcknowledgeQosZeroButKeepItsPlace() {
        Ticket qos0 = window.register(0, 0);
        Ticket qos1 = window.register(7, 1);

        window.complete(qos1);
        assertThat(acked).isEmpty();
        window.complete(qos0);

        assertThat(acked).containsExactly(7);
    }

    @Test
    void shouldNeverAcknowledgeMessagesOfALostConnectionOnTheNextOne() {
        Ticket old = window.register(5, 1);
        window.connectionLost();
        Ticket redelivered = window.register(5, 1);

        window.complete(old);
        window.complete(redelivered);

        assertThat(acked).containsExactly(5);
        assertThat(window.dropped()).isEqualTo(1);
    }

    @Test
    void shouldNotAcknowledgeWhileDisconnected() {
        Ticket ticket = window.register(9, 1);
        connected.set(false);

        window.complete(ticket);

        assertThat(acked).isEmpty();
        assertThat(window.size()).isZero();
    }

    @Test
    void shouldSendNothingOnceFrozen() {
        Ticket ticket = window.register(1, 1);
        window.freeze();

        window.complete(ticket);

        assertThat(acked).isEmpty();
    }

    @Test
    void shouldKeepGoingWhenAnAcknowledgementFails() {
        InFlightWindow failing = new InFlightWindow(
                (id, qos) -> {
                    if (id == 1) {
                        throw new IllegalStateException("not connected");
                    }
                    acked.add(id);
                },
                () -> true);
        Ticket first = failing.register(1, 1);
        Ticket second = failing.register(2, 1);

        failing.complete(second);
        failing.complete(first);

        assertThat(acked).containsExactly(2);
        assertThat(failing.dropped()).isEqualTo(1);
    }
}
