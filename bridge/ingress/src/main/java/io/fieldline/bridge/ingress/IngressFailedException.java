package io.fieldline.bridge.ingress;

/**
 * The {@link IngressPublisher} stopped publishing: Kafka did not take a record within the producer's delivery
 * timeout, or refused it for a reason that is not the record's. Batches that were not complete fail with it.
 */
public final class IngressFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public IngressFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
