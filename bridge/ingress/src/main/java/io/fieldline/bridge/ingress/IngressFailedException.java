package io.fieldline.bridge.ingress;

/**
 * The {@link IngressPublisher} stopped publishing: Kafka did not take a record within the producer's delivery
 * timeout, or refused it for a reason that is not the record's. Batches that were not complete fail with it.
 */
public final class IngressFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int acknowledged;
    private final boolean nothingWritten;

    public IngressFailedException(String message, Throwable cause) {
        this(message, cause, -1, false);
    }

    public IngressFailedException(String message, Throwable cause, int acknowledged, boolean nothingWritten) {
        super(message, cause);
        this.acknowledged = acknowledged;
        this.nothingWritten = nothingWritten;
    }

    /** The failed batch's records Kafka acknowledged before it failed, or -1 when this is not a batch's failure. */
    public int acknowledged() {
        return acknowledged;
    }

    /**
     * Whether none of the failed batch's records can be in Kafka: none was acknowledged, and every one that failed
     * failed before the producer took it (in {@code send()}: a topic's metadata not found in time, the producer
     * closed; or never sent, the publisher having failed first). False when unknown, and when a record failed after
     * the producer took it (a delivery timeout): the broker may have written it.
     */
    public boolean nothingWritten() {
        return nothingWritten;
    }
}
