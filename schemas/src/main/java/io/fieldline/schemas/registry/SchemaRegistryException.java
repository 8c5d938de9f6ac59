package io.fieldline.schemas.registry;

import org.apache.kafka.common.KafkaException;

/**
 * A failed Schema Registry call: either the registry answered with an error
 * ({@code {"error_code": N, "message": "..."}}), or it could not be reached after the
 * configured retries.
 *
 * <p>{@link #httpStatus()} is the HTTP status ({@link #NO_STATUS} when no answer came);
 * {@link #errorCode()} is the Confluent error code from the body, or the HTTP status when the
 * body carried none. Use the predicates to tell the cases apart rather than comparing codes:
 * {@link #isNotFound()}, {@link #isIncompatible()}, {@link #isInvalidSchema()},
 * {@link #isTransient()}.
 */
public class SchemaRegistryException extends KafkaException {

    private static final long serialVersionUID = 1L;

    /** {@link #httpStatus()} when no HTTP answer was received (connection refused, timeout, interrupt). */
    public static final int NO_STATUS = -1;

    /** Subject not found. */
    public static final int SUBJECT_NOT_FOUND = 40401;
    /** Version not found. */
    public static final int VERSION_NOT_FOUND = 40402;
    /** Schema not found (unknown id, or a lookup of a schema the subject does not hold). */
    public static final int SCHEMA_NOT_FOUND = 40403;
    /** No compatibility level is configured for the subject (the global level applies). */
    public static final int SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED = 40408;
    /** The schema is incompatible with earlier versions under the subject's compatibility level. */
    public static final int INCOMPATIBLE_SCHEMA = 409;
    /** The schema text is not a valid schema. */
    public static final int INVALID_SCHEMA = 42201;
    /** The version is not a valid version number. */
    public static final int INVALID_VERSION = 42202;
    /** The compatibility level is not one the registry knows. */
    public static final int INVALID_COMPATIBILITY_LEVEL = 42203;

    private final int httpStatus;
    private final int errorCode;

    /**
     * An error answered by the registry, or (with {@link #NO_STATUS}) a failure to get an answer.
     *
     * @param message    what failed, with the request
     * @param httpStatus HTTP status, or {@link #NO_STATUS}
     * @param errorCode  Confluent error code, or the HTTP status when the body had none
     * @param cause      underlying exception, may be null
     */
    public SchemaRegistryException(String message, int httpStatus, int errorCode, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    /** An error answered by the registry. */
    public SchemaRegistryException(String message, int httpStatus, int errorCode) {
        this(message, httpStatus, errorCode, null);
    }

    /** HTTP status of the answer, or {@link #NO_STATUS} when none was received. */
    public int httpStatus() {
        return httpStatus;
    }

    /** Confluent error code ({@code 40401}, {@code 409}, ...), or the HTTP status when the body had none. */
    public int errorCode() {
        return errorCode;
    }

    /** True for unknown subject, version or schema (40401, 40402, 40403, or a bare 404). */
    public boolean isNotFound() {
        return errorCode == SUBJECT_NOT_FOUND
                || errorCode == VERSION_NOT_FOUND
                || errorCode == SCHEMA_NOT_FOUND
                || errorCode == 404;
    }

    /** True when the schema was rejected as incompatible (409). */
    public boolean isIncompatible() {
        return errorCode == INCOMPATIBLE_SCHEMA || httpStatus == 409;
    }

    /** True when the schema, version or compatibility level was rejected as invalid (422xx). */
    public boolean isInvalidSchema() {
        return errorCode == INVALID_SCHEMA
                || errorCode == INVALID_VERSION
                || errorCode == INVALID_COMPATIBILITY_LEVEL
                || httpStatus == 422;
    }

    /**
     * True when retrying later may succeed: no answer at all (connection refused, timeout),
     * a 5xx server error, or 429 too many requests. Permanent client errors (4xx) are not transient.
     */
    public boolean isTransient() {
        return httpStatus == NO_STATUS || httpStatus >= 500 || httpStatus == 429;
    }
}
