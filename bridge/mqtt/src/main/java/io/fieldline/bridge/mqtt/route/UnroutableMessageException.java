package io.fieldline.bridge.mqtt.route;

/** A message that no route can take, or that its route cannot address; the message says why. */
public final class UnroutableMessageException extends Exception {

    private static final long serialVersionUID = 1L;

    public UnroutableMessageException(String reason) {
        super(reason);
    }
}
