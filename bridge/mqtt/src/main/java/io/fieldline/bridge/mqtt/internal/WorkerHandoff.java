package io.fieldline.bridge.mqtt.internal;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Hands a message registered in the {@link InFlightWindow} from the transport's callback thread to a worker's
 * queue, waiting while the queue is full.
 *
 * <p>A message that is registered but never queued would never be completed: as the head of the window it would
 * hold back every later acknowledgement for good, while the bridge kept saying it runs. So when the hand-off does
 * not happen (the callback thread is interrupted, as Paho does on a connection drop, or the bridge stops), the
 * message gives up its place ({@link InFlightWindow#abandon}); it is never acknowledged, and the broker
 * redelivers it.
 */
public final class WorkerHandoff {

    private WorkerHandoff() {}

    /**
     * Queues {@code item}, waiting while the queue is full.
     *
     * @param window   the window {@code ticket} was registered in
     * @param stopping whether the bridge is going down (then the message is not queued)
     * @return whether the message was queued; when not, its ticket is abandoned and the interrupt flag kept
     */
    public static <T> boolean handOff(
            InFlightWindow window,
            InFlightWindow.Ticket ticket,
            T item,
            BlockingQueue<T> queue,
            BooleanSupplier stopping) {
        try {
            while (!queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
                if (stopping.getAsBoolean()) {
                    window.abandon(ticket);
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            window.abandon(ticket);
            return false;
        }
    }
}
