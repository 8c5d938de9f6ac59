package io.fieldline.connectors.cdc;

/** The CDC connector cannot start or run: the database or Kafka is unreachable, or the engine failed. */
public final class CdcException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CdcException(String message) {
        super(message);
    }

    public CdcException(String message, Throwable cause) {
        super(message, cause);
    }
}
