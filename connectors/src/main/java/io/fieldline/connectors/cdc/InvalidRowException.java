package io.fieldline.connectors.cdc;

/**
 * A captured row that cannot be turned into its Avro value (a required column is null, an enum
 * column holds an unknown symbol). Such a change is dead-lettered, never retried.
 */
public final class InvalidRowException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public InvalidRowException(String message) {
        super(message);
    }

    public InvalidRowException(String message, Throwable cause) {
        super(message, cause);
    }
}
