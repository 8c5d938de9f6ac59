package io.fieldline.bridge.mqtt;

/** The MQTT bridge could not start, or had to stop: the message says why. */
public final class MqttBridgeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MqttBridgeException(String message) {
        super(message);
    }

    public MqttBridgeException(String message, Throwable cause) {
        super(message, cause);
    }
}
