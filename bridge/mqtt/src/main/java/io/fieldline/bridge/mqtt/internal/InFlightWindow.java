package io.fieldline.bridge.mqtt.internal;

import java.util.ArrayDeque;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MQTT messages received and not yet acknowledged, in arrival order, and the one place that
 * acknowledges them.
 *
 * <p>A message is acknowledged once it is {@linkplain #complete(Ticket) complete} (Kafka has every
 * record made from it) <em>and</em> every message received before it is acknowledged too: MQTT
 * wants PUBACKs in PUBLISH order, and Kafka callbacks of different partitions complete in any
 * order. Messages of an earlier connection are never acknowledged on a later one: their packet
 * ids mean nothing there (the broker redelivers them instead), and acknowledging a reused id
 * would acknowledge another message that Kafka may not have yet.
 *
 * <p>Thread-safe. Acknowledgements are sent while holding this object's lock so that they leave
 * in order; the {@link Acknowledger} must not block.
 */
public final class InFlightWindow {

    private static final Logger LOG = LoggerFactory.getLogger(InFlightWindow.class);

    /** Sends the MQTT acknowledgement of one message. */
    @FunctionalInterface
    public interface Acknowledger {
        /** Acknowledges the message with that packet id and QoS; may throw when the connection is gone. */
        void acknowledge(int messageId, int qos) throws Exception;
    }

    /** One received message's place in the window. */
    public static final class Ticket {
        private final int messageId;
        private final int qos;
        private final long connection;
        private boolean done;
        private boolean abandoned;

        private Ticket(int messageId, int qos, long connection) {
            this.messageId = messageId;
            this.qos = qos;
            this.connection = connection;
        }

        /** MQTT packet id. */
        public int messageId() {
            return messageId;
        }

        /** Delivery QoS. */
        public int qos() {
            return qos;
        }
    }

    private final ArrayDeque<Ticket> window = new ArrayDeque<>();
    private final Acknowledger acknowledger;
    private final BooleanSupplier connected;
    private long connection;
    private boolean frozen;
    private long acknowledged;
    private long dropped;
    private long abandoned;

    /**
     * @param acknowledger sends PUBACKs
     * @param connected    whether the MQTT connection is up right now (acknowledgements are not queued for a dead one)
     */
    public InFlightWindow(Acknowledger acknowledger, BooleanSupplier connected) {
        this.acknowledger = acknowledger;
        this.connected = connected;
    }

    /** Records a message as it arrives; call in arrival order, from the transport's callback thread. */
    public synchronized Ticket register(int messageId, int qos) {
        Ticket ticket = new Ticket(messageId, qos, connection);
        window.addLast(ticket);
        return ticket;
    }

    /** Marks a message done and acknowledges every done message at the head of the window. */
    public synchronized void complete(Ticket ticket) {
        ticket.done = true;
        drain();
    }

    /**
     * Gives up a message that will never be completed (it never reached a worker): it is never acknowledged, so
     * the broker redelivers it (at the latest on the next connection), and it no longer holds back the
     * acknowledgements of the messages after it.
     */
    public synchronized void abandon(Ticket ticket) {
        if (ticket.done) {
            return;
        }
        ticket.abandoned = true;
        ticket.done = true;
        abandoned++;
        drain();
    }

    private void drain() {
        while (!window.isEmpty() && window.peekFirst().done) {
            Ticket head = window.pollFirst();
            if (head.qos == 0 || head.abandoned) {
                continue;
            }
            if (frozen || head.connection != connection || !connected.getAsBoolean()) {
                // Left unacknowledged: the broker redelivers it (a duplicate in Kafka, never a loss).
                dropped++;
                continue;
            }
            try {
                acknowledger.acknowledge(head.messageId, head.qos);
                acknowledged++;
            } catch (Exception e) {
                dropped++;
                LOG.warn(
                        "Could not acknowledge MQTT message {} (the broker will redeliver it): {}",
                        head.messageId,
                        e.toString());
            }
        }
    }

    /**
     * The connection was lost: messages received so far belong to it and will not be acknowledged;
     * messages from now on belong to the next connection.
     */
    public synchronized void connectionLost() {
        connection++;
    }

    /** No acknowledgement is ever sent again (the bridge is going down without a clean shutdown). */
    public synchronized void freeze() {
        frozen = true;
    }

    /** Messages received and not yet acknowledged (or given up). */
    public synchronized int size() {
        return window.size();
    }

    /** Acknowledgements sent so far. */
    public synchronized long acknowledged() {
        return acknowledged;
    }

    /** Messages given up before they reached a worker ({@link #abandon}), left to the broker's redelivery. */
    public synchronized long abandoned() {
        return abandoned;
    }

    /** Completed messages left unacknowledged because their connection was gone, for redelivery. */
    public synchronized long dropped() {
        return dropped;
    }
}
