package io.fieldline.bridge.mqtt.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.bridge.mqtt.internal.InFlightWindow.Ticket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.junit.jupiter.api.Test;

class WorkerHandoffTest {

    private final List<Integer> acked = new ArrayList<>();
    private final InFlightWindow window = new InFlightWindow((id, qos) -> acked.add(id), () -> true);

    @Test
    void shouldQueueTheMessageWhenThereIsRoom() {
        BlockingQueue<String> queue = new ArrayBlockingQueue<>(1);
        Ticket ticket = window.register(1, 1);

        assertThat(WorkerHandoff.handOff(window, ticket, "m1", queue, () -> false))
                .isTrue();

        assertThat(queue).containsExactly("m1");
        window.complete(ticket);
        assertThat(acked).containsExactly(1);
    }

    @Test
    void shouldNotLetAMessageNeverQueuedBlockTheAcknowledgementsAfterIt() {
        BlockingQueue<String> full = new ArrayBlockingQueue<>(1);
        full.add("earlier");
        Ticket lost = window.register(1, 1);

        // Paho's callback thread interrupted while the worker's queue is full (a connection drop).
        Thread.currentThread().interrupt();
        boolean queued = WorkerHandoff.handOff(window, lost, "m1", full, () -> false);

        assertThat(Thread.interrupted()).as("interrupt flag kept").isTrue();
        assertThat(queued).isFalse();
        Ticket next = window.register(2, 1);
        Ticket third = window.register(3, 1);
        window.complete(next);
        window.complete(third);
        // The message that never reached a worker is left to the broker's redelivery; the others go on.
        assertThat(acked).containsExactly(2, 3);
        assertThat(window.size()).isZero();
        assertThat(window.abandoned()).isEqualTo(1);
    }

    @Test
    void shouldGiveUpThePlaceOfAMessageNotQueuedBecauseTheBridgeStops() {
        BlockingQueue<String> full = new ArrayBlockingQueue<>(1);
        full.add("earlier");
        Ticket ticket = window.register(1, 1);

        assertThat(WorkerHandoff.handOff(window, ticket, "m1", full, () -> true))
                .isFalse();

        assertThat(window.size()).isZero();
    }
}
