package io.fieldline.sink.internal.worker;

/** A batch write failed; the subclass says whether trying again can help. */
public abstract sealed class SinkWriteException extends Exception
        permits SinkWriteException.Transient, SinkWriteException.Permanent {

    private static final long serialVersionUID = 1L;

    SinkWriteException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The store is unavailable or overloaded: retry later, nothing is wrong with the data. */
    public static final class Transient extends SinkWriteException {
        private static final long serialVersionUID = 1L;

        public Transient(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The store rejected the data (constraint violation, invalid value): retrying cannot help. */
    public static final class Permanent extends SinkWriteException {
        private static final long serialVersionUID = 1L;

        public Permanent(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
