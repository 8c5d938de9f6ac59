package io.fieldline.bridge.mqtt.decode;

/**
 * Internal control flow of the decoders: thrown deep inside a decode, caught at its top and
 * turned into a {@link DecodeResult.Failed}. Never leaves the package.
 */
final class BadPayloadException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    BadPayloadException(String reason) {
        super(reason, null, false, false);
    }

    /** The same reason with a location prefix, for errors inside arrays and nested objects. */
    BadPayloadException within(String location) {
        return new BadPayloadException(location + ": " + getMessage());
    }
}
